package io.github.vaultsni.gateway.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.vaultsni.gateway.Gateway;
import io.github.vaultsni.gateway.GatewayConfig;
import io.github.vaultsni.gateway.TestGatewayConfig;
import io.github.vaultsni.gateway.LoopbackHttpsClient;
import io.github.vaultsni.testsupport.TestPki;
import io.github.vaultsni.testsupport.TlsClients;
import io.github.vaultsni.testsupport.TestPki.Issued;
import io.github.vaultsni.vaulttest.VaultHttp;
import io.github.vaultsni.vaulttest.VaultTestServer;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The admin API over HTTP on a running gateway, and its effect on what the HTTPS listener serves. */
@Timeout(120)
class AdminApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ADMIN = "edd1c9f034335f136f87ad84b625c8f1";
    private static final String VIEWER = "4054f7cf07e344346cd3f287985e76a2";
    /** README: the certificate side applies a write within 1 s of its acknowledgement. */
    private static final ConditionFactory WITHIN_ONE_SECOND = await().atMost(Duration.ofSeconds(1))
            .pollInterval(Duration.ofMillis(10));
    private static Issued root;
    private static Issued testCom;

    @TempDir
    Path tmp;
    private VaultTestServer vault;
    private Gateway gateway;
    private AdminTestClient admin;

    @BeforeAll
    static void pki() {
        root = TestPki.rootCa("ROOTCA", "RSA");
        testCom = root.leaf("RSA", "test.com");
    }

    @BeforeEach
    void start() throws Exception {
        vault = VaultTestServer.builder().rootToken("apisix-quickstart-vault-token").start();
        VaultHttp http = new VaultHttp(vault.address());
        http.enableKv("apisix-quickstart-vault-token", "kv", 1);
        http.putSecret("apisix-quickstart-vault-token", 1, "kv", "apisix/ssl",
                Map.of("test.com.crt", testCom.certificatePem(), "test.com.key", testCom.traditionalPrivateKeyPem()));
        gateway = startGateway();
        admin = new AdminTestClient(gateway.adminPort(), ADMIN);
    }

    private Gateway startGateway() throws Exception {
        return Gateway.start(TestGatewayConfig.loopback(tmp.resolve("data")).adminKey(ADMIN).viewerKey(VIEWER).build());
    }

    @AfterEach
    void stop() {
        gateway.close();
        vault.close();
    }

    /** The walk-through's secret object, with this test's Vault address. */
    private String secretObject() {
        return "{\"uri\": \"" + vault.address() + "\", \"prefix\": \"kv/apisix\", \"token\": \"apisix-quickstart-vault-token\"}";
    }

    private static final String WALKTHROUGH_SSL = """
            {
              "id": "quickstart-tls-client-ssl",
              "sni": "test.com",
              "cert": "$secret://vault/quickstart-secret-id/ssl/test.com.crt",
              "key": "$secret://vault/quickstart-secret-id/ssl/test.com.key"
            }""";

    @Test
    void walkThrough_secretThenSsl_servedOverTlsWithinOneSecond() throws Exception {
        AdminTestClient.Answer secret = admin.call("PUT", "secrets/vault/quickstart-secret-id", secretObject());
        assertEquals(201, secret.status(), secret::toString);
        assertEquals("/apisix/secrets/vault/quickstart-secret-id", secret.json().get("key").asText());
        assertEquals("vault/quickstart-secret-id", secret.json().get("value").get("id").asText());
        assertFalse(secret.json().get("value").has("token"), "token never returned");
        assertEquals("application/json", secret.contentType().split(";")[0]);

        AdminTestClient.Answer ssl = admin.call("PUT", "ssls", WALKTHROUGH_SSL);
        assertEquals(201, ssl.status(), ssl::toString);
        assertEquals("/apisix/ssls/quickstart-tls-client-ssl", ssl.json().get("key").asText());
        assertEquals("$secret://vault/quickstart-secret-id/ssl/test.com.key", ssl.json().get("value").get("key").asText(),
                "a reference is not a secret: the write's answer shows it, as APISIX's");
        WITHIN_ONE_SECOND.until(() -> served("test.com") != null);
        X509Certificate leaf = served("test.com");
        assertEquals("CN=test.com", leaf.getSubjectX500Principal().getName());
        assertEquals("CN=ROOTCA", leaf.getIssuerX500Principal().getName());

        AdminTestClient.Answer status = admin.call("GET", "ssls/quickstart-tls-client-ssl/status", null);
        assertEquals("ACTIVE", status.json().get("state").asText(), status::toString);
        assertEquals("[\"test.com\"]", status.json().get("sans").toString());

        try (io.github.vaultsni.gateway.proxy.TestUpstream httpbin = new io.github.vaultsni.gateway.proxy.TestUpstream("httpbin")) {
            AdminTestClient.Answer route = admin.call("PUT", "routes", """
                    {"id": "quickstart-client-ip", "uri": "/ip", "upstream": {"nodes": {"%s": 1}, "type": "roundrobin"}}"""
                    .formatted(httpbin.node()));
            assertEquals(201, route.status(), route::toString);
            String body = httpsGet("test.com", "/ip");
            assertTrue(body.startsWith("{\"upstream\":\"httpbin\",\"method\":\"GET\",\"path\":\"/ip\""), body);
        }
    }

    /** GET over HTTPS and h2 (ALPN) with this SNI and Host, through the gateway's HTTPS listener: the body. */
    private String httpsGet(String host, String path) throws Exception {
        org.eclipse.jetty.client.HttpClient h2 = LoopbackHttpsClient.trusting(root.certificate());
        h2.start();
        try {
            org.eclipse.jetty.client.ContentResponse response = h2.newRequest("https://" + host + ":" + gateway.httpsPort() + path)
                    .version(org.eclipse.jetty.http.HttpVersion.HTTP_2).timeout(10, java.util.concurrent.TimeUnit.SECONDS).send();
            assertEquals(200, response.getStatus(), response.getContentAsString());
            assertEquals(org.eclipse.jetty.http.HttpVersion.HTTP_2, response.getVersion());
            return response.getContentAsString();
        } finally {
            h2.stop();
        }
    }

    @Test
    void sslBeforeItsSecretObject_failsVisibly_thenIsServedOnceTheSecretArrives() throws Exception {
        assertEquals(201, admin.call("PUT", "ssls", WALKTHROUGH_SSL).status());
        WITHIN_ONE_SECOND.until(() -> "FAILED".equals(admin.call("GET", "ssls/quickstart-tls-client-ssl/status", null)
                .json().get("state").asText()));
        assertNull(served("test.com"), "nothing served for a reference that cannot resolve");

        admin.call("PUT", "secrets/vault/quickstart-secret-id", secretObject());
        WITHIN_ONE_SECOND.until(() -> served("test.com") != null);
        assertEquals("CN=test.com", served("test.com").getSubjectX500Principal().getName());
    }

    @Test
    void deletedOrDisabledSsl_stopsBeingServedWithinOneSecond() throws Exception {
        admin.call("PUT", "secrets/vault/quickstart-secret-id", secretObject());
        admin.call("PUT", "ssls", WALKTHROUGH_SSL);
        WITHIN_ONE_SECOND.until(() -> served("test.com") != null);
        assertEquals(200, admin.call("PATCH", "ssls/quickstart-tls-client-ssl", "{\"status\": 0}").status());
        WITHIN_ONE_SECOND.until(() -> served("test.com") == null);
        assertEquals(200, admin.call("PATCH", "ssls/quickstart-tls-client-ssl", "{\"status\": 1}").status());
        WITHIN_ONE_SECOND.until(() -> served("test.com") != null);
        AdminTestClient.Answer deleted = admin.call("DELETE", "ssls/quickstart-tls-client-ssl", null);
        assertEquals("{\"deleted\":\"1\",\"key\":\"/apisix/ssls/quickstart-tls-client-ssl\"}", deleted.json().toString());
        WITHIN_ONE_SECOND.until(() -> served("test.com") == null);
    }

    @Test
    void inlinePem_isServed_andPersistsAcrossRestart() throws Exception {
        Issued inline = root.leaf("EC", "inline.test.com");
        String body = JSON.createObjectNode().put("sni", "inline.test.com").put("cert", inline.certificatePem())
                .put("key", inline.privateKeyPem()).toString();
        assertEquals(201, admin.call("PUT", "ssls/inline", body).status());
        WITHIN_ONE_SECOND.until(() -> served("inline.test.com") != null);
        gateway.close();
        gateway = startGateway();
        admin = new AdminTestClient(gateway.adminPort(), ADMIN);
        WITHIN_ONE_SECOND.until(() -> served("inline.test.com") != null);
        AdminTestClient.Answer got = admin.call("GET", "ssls/inline", null);
        assertEquals(200, got.status());
        assertEquals(inline.certificatePem(), got.json().get("value").get("cert").asText());
        assertFalse(got.json().get("value").has("key"));
    }

    @Test
    void afterARestart_everyStoredCertificateIsServedFromTheFirstHandshake() throws Exception {
        int count = 300;
        for (int i = 1; i <= count; i++) {
            Issued leaf = root.leaf("EC", "host" + i + ".test.com");
            assertEquals(201, admin.call("PUT", "ssls/h" + i, JSON.createObjectNode().put("sni", "host" + i + ".test.com")
                    .put("cert", leaf.certificatePem()).put("key", leaf.privateKeyPem()).toString()).status());
        }
        gateway.close();
        gateway = startGateway();
        for (int i : new int[]{count, 1, count / 2}) {
            X509Certificate leaf = served("host" + i + ".test.com");
            assertEquals("CN=host" + i + ".test.com", leaf == null ? "nothing served" : leaf.getSubjectX500Principal().getName());
        }
    }

    @Test
    void secretsAreEncryptedAtRest_andNeverReturned() throws Exception {
        Issued inline = root.leaf("EC", "enc.test.com");
        admin.call("PUT", "secrets/vault/quickstart-secret-id", secretObject());
        admin.call("PUT", "ssls/enc", JSON.createObjectNode().put("sni", "enc.test.com")
                .put("cert", inline.certificatePem()).put("key", inline.privateKeyPem()).toString());
        String keyBody = inline.privateKeyPem().split("\n")[1];
        try (Stream<Path> files = Files.walk(tmp.resolve("data"))) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                String content = new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.ISO_8859_1);
                assertFalse(content.contains("PRIVATE KEY"), file + " holds a PEM key");
                assertFalse(content.contains(keyBody), file + " holds key material");
                assertFalse(content.contains("apisix-quickstart-vault-token"), file + " holds the Vault token");
            }
        }
        assertTrue(Files.exists(tmp.resolve("data.key")), "the encryption key lives beside, not inside, the data");
        for (String path : List.of("ssls/enc", "ssls", "secrets/vault/quickstart-secret-id", "secrets")) {
            String text = admin.call("GET", path, null).json().toString();
            assertFalse(text.contains("PRIVATE KEY"), path);
            assertFalse(text.contains("apisix-quickstart-vault-token"), path);
        }
    }

    @Test
    void access_missingWrongViewer_queryAndCookie() {
        AdminTestClient.Answer missing = admin.call("GET", "routes", null, null, null);
        assertEquals(401, missing.status());
        assertEquals("{\"error_msg\":\"failed to check token\",\"description\":\"missing apikey\"}", missing.json().toString());
        AdminTestClient.Answer wrong = admin.call("GET", "routes", null, "nope", "X-API-KEY");
        assertEquals("{\"error_msg\":\"failed to check token\",\"description\":\"wrong apikey\"}", wrong.json().toString());
        assertEquals(200, admin.call("GET", "routes", null, VIEWER, "X-API-KEY").status());
        AdminTestClient.Answer viewerWrite = admin.call("PUT", "routes/1", "{\"uri\":\"/a\",\"upstream\":{\"nodes\":{\"a:1\":1}}}",
                VIEWER, "X-API-KEY");
        assertEquals(401, viewerWrite.status());
        assertEquals("invalid method for role viewer", viewerWrite.json().get("description").asText());
        assertEquals(200, admin.call("GET", "routes", null, ADMIN, "query").status());
        assertEquals(200, admin.call("GET", "routes", null, ADMIN, "cookie").status());
        assertEquals(404, admin.call("GET", "routes/none", null).status());
    }

    @Test
    void loopbackDevMode_letsLocalCallersInWithoutKey() throws Exception {
        try (Gateway dev = Gateway.start(TestGatewayConfig.loopback(tmp.resolve("dev")).adminKey(ADMIN).adminLoopbackWithoutKey(true).build())) {
            AdminTestClient noKey = new AdminTestClient(dev.adminPort(), null);
            assertEquals(200, noKey.call("GET", "routes", null, null, null).status());
            assertEquals(401, noKey.call("GET", "routes", null, "wrong", "X-API-KEY").status(), "a wrong key is still wrong");
        }
    }

    @Test
    void noAdminKeyConfigured_generatesOne_storedWithTheData_printedOnce() throws Exception {
        java.io.PrintStream console = System.out;
        java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
        System.setOut(new java.io.PrintStream(printed, true));
        String generated;
        try {
            GatewayConfig config = TestGatewayConfig.loopback(tmp.resolve("fresh")).build();
            try (Gateway first = Gateway.start(config)) {
                generated = first.adminKey();
            }
            try (Gateway second = Gateway.start(config)) {
                assertEquals(generated, second.adminKey());
                assertEquals(200, new AdminTestClient(second.adminPort(), generated).call("GET", "ssls", null).status());
            }
        } finally {
            System.setOut(console);
        }
        assertTrue(generated.matches("[0-9a-f]{32}"), generated);
        assertEquals(generated, Files.readString(tmp.resolve("fresh").resolve("admin.key")).trim());
        String out = printed.toString();
        assertEquals(1, out.split(generated, -1).length - 1, "printed exactly once: " + out);
        assertTrue(GatewayConfig.builder().build().adminHost().equals("127.0.0.1"), "admin binds loopback by default");
    }

    /** Everything this class did was logged at the level operators run; no token or key may be in it. */
    @org.junit.jupiter.api.AfterAll
    static void logHoldsNoSecret() throws Exception {
        String log = Files.readString(Path.of("target", "test-log.txt"));
        assertTrue(log.contains("configuration store"), "the log is where the test looks");
        assertFalse(log.contains("apisix-quickstart-vault-token"));
        assertFalse(log.contains("PRIVATE KEY"));
        assertFalse(log.contains(ADMIN));
    }

    /** The certificate the HTTPS listener serves for this SNI, or null when the handshake is refused. */
    private X509Certificate served(String sni) {
        return TlsClients.servedLeaf(TestPki.clientContext(root, null), gateway.httpsPort(), sni);
    }

}
