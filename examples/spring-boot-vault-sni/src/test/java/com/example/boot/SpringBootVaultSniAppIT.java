package com.example.boot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.vaultsni.testsupport.TestPki;
import io.github.vaultsni.testsupport.TestPki.Issued;
import io.github.vaultsni.testsupport.TlsClients;
import io.github.vaultsni.vaulttest.VaultHttp;
import io.github.vaultsni.vaulttest.VaultTestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The example's executable jar as users run it, a process of its own, against the Vault test server: two names
 * each served their own certificate from Vault over h2 and HTTP/1.1, an unknown name refused, a rotation in Vault,
 * a refreshed certificate list, a certificate issued by Vault's PKI engine and a bindings file served without a
 * restart, the {@code sslobjects} endpoint and Prometheus gauges, and health UP, still UP while Vault has just
 * gone, then DOWN once it has been gone past max-stale. The steps run in order on one process (the last ones stop
 * Vault). Test names resolve to 127.0.0.1 through {@code src/test/resources/hosts}
 * ({@code jdk.net.hosts.file}, set by failsafe).
 */
@Timeout(180)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SpringBootVaultSniAppIT {
    private static final String ROOT_TOKEN = "example-root";
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** How long past its ttl (1 s) a Vault value is served while Vault cannot be read. */
    private static final Duration MAX_STALE = Duration.ofSeconds(5);
    /** The list the refresh step applies: example.org goes, new.test comes, test.com stays as it is. */
    private static final String REFRESHED_LIST = """
            vault-sni:
              certificates:
                - id: test.com
                  snis: [test.com]
                  cert: $secret://vault/vault-sni/ssl/test.com.crt
                  key: $secret://vault/vault-sni/ssl/test.com.key
                - id: new.test
                  snis: [new.test]
                  cert: $secret://vault/vault-sni/ssl/new.test.crt
                  key: $secret://vault/vault-sni/ssl/new.test.key
            """;

    @TempDir
    static Path dir; // static: injected before @BeforeAll
    private final Issued root = TestPki.rootCa("ROOTCA", "EC");
    private final Issued testCom = root.leaf("EC", "test.com");
    private final Issued exampleOrg = root.leaf("RSA", "example.org", "*.example.org");
    private final Map<String, String> secrets = new java.util.LinkedHashMap<>();
    private VaultTestServer vault;
    private VaultHttp vaultHttp;
    private String token;
    private String vaultCaPem;
    private final HttpClient management = HttpClient.newBuilder().connectTimeout(WAIT).build();
    private Process app;
    private Path log;
    private int httpsPort;
    private int managementPort;

    @BeforeAll
    void start() throws Exception {
        vault = VaultTestServer.builder().rootToken(ROOT_TOKEN).start();
        vaultHttp = new VaultHttp(vault.address());
        vaultHttp.enableKv(ROOT_TOKEN, "kv", 1);
        vaultCaPem = vaultHttp.enablePki(ROOT_TOKEN, "pki");
        vaultHttp.expect(200, "POST", "pki/roles/example", ROOT_TOKEN, Map.of("allowed_domains", List.of("internal.test"),
                "allow_subdomains", true, "key_type", "ec", "max_ttl", "720h"));
        vaultHttp.writePolicy(ROOT_TOKEN, "certificates", "path \"kv/apisix/*\" { capabilities = [\"read\"] }\n"
                + "path \"pki/sign/example\" { capabilities = [\"update\"] }");
        token = vaultHttp.createToken(ROOT_TOKEN, List.of("certificates"), null);
        store("test.com", testCom);
        store("example.org", exampleOrg);

        httpsPort = freePort();
        managementPort = freePort();
        log = dir.resolve("app.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(java, "-jar", "target/spring-boot-vault-sni.jar",
                "--server.port=" + httpsPort, "--management.server.port=" + managementPort,
                "--vault-sni.vault.uri=" + vault.address(),
                // short times so that rotation and the outage show within seconds
                "--vault-sni.cache.ttl=1s", "--vault-sni.cache.negative-ttl=1s",
                "--vault-sni.cache.max-stale=" + MAX_STALE.toSeconds() + "s",
                "--vault-sni.bindings-file=" + dir.resolve("vault-sni.json"), "--vault-sni.bindings-scan-interval=200ms",
                "--spring.config.additional-location=optional:file:" + dir.resolve("more.yml"))
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("VAULT_TOKEN", token);
        app = builder.start();
        await().atMost(Duration.ofSeconds(90)).until(() -> !app.isAlive() || Files.readString(log).contains("Started HelloApplication"));
        assertTrue(app.isAlive(), () -> "the application exited: " + read(log));
    }

    @AfterAll
    void stop() throws Exception {
        if (app != null) {
            app.destroy();
            if (!app.waitFor(20, TimeUnit.SECONDS)) {
                app.destroyForcibly();
            }
        }
        if (vault != null) {
            vault.close();
        }
    }

    @Test
    @Order(1)
    void eachName_isServedItsOwnCertificate_overH2AndHttp11() throws Exception {
        HttpResponse<String> h2 = get(HttpClient.Version.HTTP_2, "test.com");
        assertEquals(HttpClient.Version.HTTP_2, h2.version());
        assertEquals("hello from test.com over HTTP/2.0\n", h2.body());
        assertEquals(testCom.certificate(), h2.sslSession().orElseThrow().getPeerCertificates()[0]);

        HttpResponse<String> http11 = get(HttpClient.Version.HTTP_1_1, "www.example.org");
        assertEquals(HttpClient.Version.HTTP_1_1, http11.version());
        assertEquals("hello from www.example.org over HTTP/1.1\n", http11.body());
        assertEquals(exampleOrg.certificate(), http11.sslSession().orElseThrow().getPeerCertificates()[0]);
    }

    @Test
    @Order(2)
    void anUnknownName_isRefused() {
        IOException refused = assertThrows(IOException.class, () -> get(HttpClient.Version.HTTP_2, "unknown.test"));
        Throwable handshake = refused instanceof SSLHandshakeException ? refused : refused.getCause();
        assertTrue(handshake instanceof SSLHandshakeException, refused::toString);
        assertTrue(handshake.getMessage().contains("unrecognized_name"), handshake::toString);
    }

    @Test
    @Order(3)
    void openssl_verifiesTheChain_andNegotiatesH2() throws Exception {
        require("openssl");
        Path rootPem = dir.resolve("root.pem");
        Files.writeString(rootPem, root.certificatePem());
        List<String> command = List.of("openssl", "s_client", "-connect", "127.0.0.1:" + httpsPort,
                "-servername", "example.org", "-alpn", "h2,http/1.1", "-CAfile", rootPem.toString());
        Process openssl = new ProcessBuilder(command).redirectErrorStream(true).start();
        openssl.getOutputStream().close();
        assertTrue(openssl.waitFor(20, TimeUnit.SECONDS), "openssl finished");
        String out = new String(openssl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(out.contains("Verify return code: 0 (ok)"), out);
        assertTrue(out.contains("ALPN protocol: h2"), out);
        assertTrue(out.matches("(?s).*subject=\\s*CN\\s*=\\s*example\\.org.*"), out);
    }

    @Test
    @Order(4)
    void health_isUp_andSslObjectsAndPrometheus_sayWhatIsServed() throws Exception {
        HttpResponse<String> health = management("/actuator/health");
        assertEquals(200, health.statusCode(), health.body());
        JsonNode vaultSni = JSON.readTree(health.body()).path("components").path("vaultSni");
        assertEquals("UP", vaultSni.path("status").asText(), health.body());
        assertEquals("ACTIVE", vaultSni.path("details").path("certificates").path("test.com").path("state").asText());

        HttpResponse<String> list = management("/actuator/sslobjects");
        assertTrue(list.body().startsWith("{\"list\":[{\"id\":\"example.org\",\"state\":\"ACTIVE\",\"error\":null,"
                + "\"subject\":\"CN=example.org\",\"sans\":[\"example.org\",\"*.example.org\"],\"not_after\":"), list.body());
        assertEquals(2, JSON.readTree(list.body()).path("total").asInt(), list.body());
        JsonNode one = managementJson("/actuator/sslobjects/test.com");
        assertEquals(testCom.certificate().getNotAfter().toInstant().getEpochSecond(), one.path("not_after").asLong());
        assertTrue(one.path("valid_now").asBoolean());
        assertEquals("[\"$secret://vault/vault-sni/ssl/test.com.crt\",\"$secret://vault/vault-sni/ssl/test.com.key\"]",
                one.path("references").toString());
        assertEquals(404, management("/actuator/sslobjects/nothing-here").statusCode());

        String metrics = management("/actuator/prometheus").body();
        assertTrue(metrics.contains("vault_sni_certificate_not_after_seconds{ssl=\"test.com\"} "
                + (double) testCom.certificate().getNotAfter().toInstant().getEpochSecond()), metrics);
    }

    @Test
    @Order(5)
    void aCertificateRotatedInVault_isServedWithoutRestart() throws Exception {
        Issued rotated = root.leaf("EC", "test.com");
        store("test.com", rotated);
        await().atMost(WAIT).until(() -> rotated.certificate().equals(served("test.com")));
        HttpResponse<String> h2 = get(HttpClient.Version.HTTP_2, "test.com");
        assertEquals(rotated.certificate(), h2.sslSession().orElseThrow().getPeerCertificates()[0]);
        await().atMost(WAIT).until(() -> management("/actuator/prometheus").body().contains(
                "vault_sni_certificate_not_after_seconds{ssl=\"test.com\"} "
                        + (double) rotated.certificate().getNotAfter().toInstant().getEpochSecond()));
    }

    @Test
    @Order(6)
    void aRefreshedCertificateList_isServedWithoutRestart() throws Exception {
        Issued newTest = root.leaf("EC", "new.test");
        store("new.test", newTest);
        refresh(REFRESHED_LIST); // replaces the jar's whole list
        // Until the cache has fetched the secret again, new.test's fields are missing from the copy it holds.
        await().atMost(WAIT).until(() -> newTest.certificate().equals(served("new.test")));
        assertNull(served("example.org"), "refused");
        assertEquals("hello from test.com over HTTP/2.0\n", get(HttpClient.Version.HTTP_2, "test.com").body());
    }

    @Test
    @Order(7)
    void aVaultPkiIssuer_inTheList_isIssuedAndServed_withoutRestart() throws Exception {
        refresh(REFRESHED_LIST + """
                    - id: internal
                      snis: [api.internal.test]
                      issuer:
                        vault-pki: {role: example, ttl: 1h}
                """);
        SSLContext trustVault = TlsClients.trusting(vaultCaPem);
        await().atMost(WAIT).until(() -> TlsClients.servedLeaf(trustVault, httpsPort, "api.internal.test") != null);
        HttpResponse<String> h2 = get(HttpClient.Version.HTTP_2, "api.internal.test", trustVault);
        assertEquals("hello from api.internal.test over HTTP/2.0\n", h2.body());
        X509Certificate leaf = (X509Certificate) h2.sslSession().orElseThrow().getPeerCertificates()[0];
        assertEquals(List.of(List.of(2, "api.internal.test")), List.copyOf(leaf.getSubjectAlternativeNames()));

        JsonNode status = managementJson("/actuator/sslobjects/internal");
        assertEquals("ACTIVE", status.path("state").asText(), status.toString());
        assertEquals(leaf.getNotAfter().toInstant().getEpochSecond(), status.path("issued").path(0).path("not_after").asLong());
        assertEquals(1, vault.count("POST", "/v1/pki/sign/example"), "one CSR signed: the key was made in the application");
    }

    @Test
    @Order(8)
    void theBindingsFile_isServedWithinASecondOfAChange() throws Exception {
        Issued bound = root.leaf("EC", "bound.test");
        Files.writeString(dir.resolve("vault-sni.json"), "[{\"id\": \"bound\", \"sni\": \"bound.test\", \"cert\": "
                + json(bound.certificatePem()) + ", \"key\": " + json(bound.privateKeyPem()) + "}]");
        await().atMost(WAIT).until(() -> bound.certificate().equals(served("bound.test")));
    }

    @Test
    @Order(9)
    void health_isDown_onceVaultIsGonePastMaxStale_sayingWhy() throws Exception {
        vault.setReachable(false);
        // Within max-stale the last good values are served: nothing has failed yet.
        assertEquals("UP", managementJson("/actuator/health").path("components").path("vaultSni").path("status").asText());
        await().atMost(WAIT).until(() -> managementJson("/actuator/health").path("components").path("vaultSni")
                .path("details").path("certificates").path("test.com").path("state").asText().equals("FAILED"));
        HttpResponse<String> health = management("/actuator/health");
        assertEquals(503, health.statusCode(), health.body());
        JsonNode vaultSni = JSON.readTree(health.body()).path("components").path("vaultSni");
        assertEquals("DOWN", vaultSni.path("status").asText(), vaultSni.toString());
        JsonNode testComDetail = vaultSni.path("details").path("certificates").path("test.com");
        assertTrue(testComDetail.path("error").asText().startsWith(
                "failed to resolve secret reference $secret://vault/vault-sni/ssl/test.com."), vaultSni.toString());
        assertEquals("ACTIVE", vaultSni.path("details").path("certificates").path("bound").path("state").asText(),
                "inline PEM needs no Vault: " + vaultSni);
        assertEquals("ACTIVE", vaultSni.path("details").path("certificates").path("internal").path("state").asText(),
                "an issued certificate needs Vault only to be renewed: " + vaultSni);
        assertNull(served("test.com"), "no longer served");
    }

    @Test
    @Order(10)
    void nothingTheApplicationLogged_orAnswered_holdsASecret() throws Exception {
        List<String> answers = new ArrayList<>(List.of(read(log), management("/actuator/health").body(),
                management("/actuator/sslobjects").body(), management("/actuator/prometheus").body()));
        for (String text : answers) {
            assertFalse(text.contains(token), "the Vault token");
            assertFalse(text.contains("PRIVATE KEY"), "a private key");
        }
    }

    private void store(String name, Issued leaf) {
        secrets.put(name + ".crt", leaf.certificatePem());
        secrets.put(name + ".key", leaf.privateKeyPem());
        vaultHttp.putSecret(ROOT_TOKEN, 1, "kv", "apisix/ssl", secrets);
    }

    /**
     * One GET over a new connection: a client of its own (and a TLS context of its own, so no session resumes),
     * as a pooled connection would keep the certificate it was opened with.
     */
    private HttpResponse<String> get(HttpClient.Version version, String host) throws IOException, InterruptedException {
        return get(version, host, TestPki.clientContext(root, null));
    }

    private HttpResponse<String> get(HttpClient.Version version, String host, SSLContext trust)
            throws IOException, InterruptedException {
        HttpClient client = HttpClient.newBuilder().version(version).sslContext(trust).connectTimeout(WAIT).build();
        return client.send(HttpRequest.newBuilder(URI.create("https://" + host + ":" + httpsPort + "/")).timeout(WAIT)
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> management(String path) throws IOException, InterruptedException {
        return management.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + path))
                .timeout(WAIT).build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode managementJson(String path) throws IOException, InterruptedException {
        return JSON.readTree(management(path).body());
    }

    /** The leaf a fresh TLS handshake with this SNI is served, trusting the test root; null when refused. */
    private X509Certificate served(String sni) {
        return TlsClients.servedLeaf(TestPki.clientContext(root, null), httpsPort, sni);
    }

    /** Applies {@code yaml} as {@code more.yml} and refreshes the environment (Spring Cloud's refresh endpoint). */
    private void refresh(String yaml) throws IOException, InterruptedException {
        Files.writeString(dir.resolve("more.yml"), yaml);
        HttpResponse<String> refresh = management.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + managementPort + "/actuator/refresh"))
                .POST(HttpRequest.BodyPublishers.noBody()).timeout(WAIT).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, refresh.statusCode(), refresh.body());
    }

    private static String json(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e + ")";
        }
    }

    /** Skips when the tool is missing on a developer's machine; on CI a missing tool is a failure. */
    private static void require(String tool) {
        boolean present = Files.isExecutable(Path.of("/usr/bin", tool)) || Files.isExecutable(Path.of("/usr/local/bin", tool));
        if (!present && "true".equals(System.getenv("CI"))) {
            throw new AssertionError(tool + " is missing on CI: .ci/run should have installed it");
        }
        Assumptions.assumeTrue(present, tool + " is not installed: skipping (.ci/run installs it)");
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
