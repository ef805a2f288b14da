package io.github.vaultsni.jettybase;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import io.github.vaultsni.testsupport.HttpbinIp;
import io.github.vaultsni.testsupport.TestPki;
import io.github.vaultsni.testsupport.TestPki.Issued;
import io.github.vaultsni.vaulttest.TestJwts;
import io.github.vaultsni.vaulttest.VaultHttp;
import io.github.vaultsni.vaulttest.VaultTestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ready jetty-base and the vault-sni module on a stock jetty-home 12.1.5, run as a separate process. */
@Timeout(300)
class JettyBaseIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path TEMPLATE = Path.of(System.getProperty("jetty.base.template"));

    @TempDir
    Path dir;
    private VaultTestServer vault;
    private VaultHttp vaultHttp;
    private Issued root;
    private int httpPort;
    private int httpsPort;

    @BeforeEach
    void vault() throws Exception {
        vault = VaultTestServer.builder().rootToken("jetty-base-root").start();
        vaultHttp = new VaultHttp(vault.address());
        vaultHttp.enableKv("jetty-base-root", "kv", 1);
        vaultHttp.writePolicy("jetty-base-root", "apisix-policy", "path \"kv/apisix/*\" { capabilities = [\"read\"] }");
        root = TestPki.rootCa("ROOTCA", "EC");
        httpPort = JettyProcess.freePort();
        httpsPort = JettyProcess.freePort();
    }

    @AfterEach
    void stopVault() {
        vault.close();
    }

    private void storeInVault(Issued leaf) {
        vaultHttp.putSecret("jetty-base-root", 1, "kv", "apisix/ssl",
                Map.of("test.com.crt", leaf.certificatePem(), "test.com.key", leaf.traditionalPrivateKeyPem()));
    }

    /** A copy of the built jetty-base, with a token file holding a read-only token for the walk-through's path. */
    private Path base(boolean withGateway) throws IOException {
        Path base = dir.resolve("base");
        try (Stream<Path> files = Files.walk(TEMPLATE)) {
            for (Path source : files.toList()) {
                Path target = base.resolve(TEMPLATE.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        if (!withGateway) {
            Files.delete(base.resolve("webapps/gateway.war"));
            Files.delete(base.resolve("webapps/gateway.xml"));
            Files.delete(base.resolve("start.d/ee11-deploy.ini"));
        }
        Files.writeString(base.resolve("etc/vault-token"),
                vaultHttp.createToken("jetty-base-root", List.of("apisix-policy"), null) + "\n");
        return base;
    }

    private String[] properties(String... more) {
        List<String> props = new java.util.ArrayList<>(List.of("jetty.http.port=" + httpPort, "jetty.ssl.port=" + httpsPort,
                "jetty.vaultSni.vaultUri=" + vault.address(), "jetty.vaultSni.vaultPrefix=kv/apisix",
                "jetty.vaultSni.vaultSecretObjectId=quickstart-secret-id", "jetty.vaultSni.vaultTokenFile=etc/vault-token",
                "jetty.vaultSni.bindingsScanInterval=200"));
        props.addAll(List.of(more));
        return props.toArray(String[]::new);
    }

    private static String get(String url) throws IOException, InterruptedException {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url))
                .timeout(java.time.Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), url + ": " + response.body());
        return response.body();
    }

    private static ObjectNode binding(String sni, String cert, String key) {
        return JSON.createObjectNode().put("id", sni).put("sni", sni).put("cert", cert).put("key", key);
    }

    private static void writeBindings(Path base, ObjectNode... entries) throws IOException {
        ArrayNode array = JSON.createArrayNode();
        for (ObjectNode entry : entries) {
            array.add(entry);
        }
        Path file = base.resolve("etc/vault-sni.json");
        Path temp = base.resolve("etc/vault-sni.json.tmp");
        Files.writeString(temp, array.toPrettyString());
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    @Test
    void moduleOnly_bindingsFromVault_rotation_failuresLoggedInOneLine() throws Exception {
        Issued vaultCert = root.leaf("EC", "test.com");
        storeInVault(vaultCert);
        Path base = base(false);
        Issued inline = root.leaf("EC", "other.test.com");
        ObjectNode fromVault = binding("test.com", "$secret://vault/quickstart-secret-id/ssl/test.com.crt",
                "$secret://vault/quickstart-secret-id/ssl/test.com.key");
        writeBindings(base, fromVault, binding("other.test.com", inline.certificatePem(), inline.privateKeyPem()));
        int metricsPort = JettyProcess.freePort();
        try (JettyProcess jetty = JettyProcess.start(base, properties("jetty.vaultSni.cacheTtl=1", "jetty.vaultSni.cacheNegativeTtl=1",
                "jetty.vaultSni.metricsPort=" + metricsPort))) {
            jetty.await().until(() -> vaultCert.certificate().equals(served("test.com")));
            assertEquals(inline.certificate(), served("other.test.com"));

            // The module's own metrics port: certificates, handshakes, Vault.
            String metrics = get("http://127.0.0.1:" + metricsPort + "/metrics");
            assertTrue(metrics.contains("vault_sni_certificate_not_after_seconds{sni=\"test.com\",ssl=\"test.com\"} "
                    + (double) vaultCert.certificate().getNotAfter().toInstant().getEpochSecond()), metrics);
            assertTrue(metrics.contains("vault_sni_handshakes_total{result=\"served\",sni=\"test.com\"}"), metrics);
            assertTrue(metrics.contains("vault_sni_vault_reachable{secret_object=\"vault/quickstart-secret-id\"} 1.0"), metrics);

            // Rotation by editing the bindings file.
            Issued edited = root.leaf("EC", "other.test.com");
            writeBindings(base, fromVault, binding("other.test.com", edited.certificatePem(), edited.privateKeyPem()));
            jetty.await().until(() -> edited.certificate().equals(served("other.test.com")));

            // Rotation by changing the value in Vault.
            Issued rotated = root.leaf("EC", "test.com");
            storeInVault(rotated);
            jetty.await().until(() -> rotated.certificate().equals(served("test.com")));

            // An unresolvable reference: one clear line, the other hosts still served.
            writeBindings(base, fromVault, binding("other.test.com", edited.certificatePem(), edited.privateKeyPem()),
                    binding("bad.test.com", "$secret://vault/quickstart-secret-id/nope/x.crt", "$secret://vault/quickstart-secret-id/nope/x.key"));
            jetty.await().until(() -> logged(jetty, "certificate entry bad.test.com is not served"));
            assertNull(served("bad.test.com"));

            // A Vault outage: one clear line, last good certificates still served.
            vault.setReachable(false);
            jetty.await().until(() -> logged(jetty, "is unreachable") && logged(jetty, "serving the last good value"));
            Thread.sleep(2_500); // not a wait: past the 1 s TTLs on Jetty's real clock, so refreshes fail meanwhile
            assertEquals(rotated.certificate(), served("test.com"));
            assertEquals(edited.certificate(), served("other.test.com"));
            String outage = get("http://127.0.0.1:" + metricsPort + "/metrics");
            assertTrue(outage.contains("vault_sni_vault_reachable{secret_object=\"vault/quickstart-secret-id\"} 0.0"), outage);
            assertTrue(outage.contains("vault_sni_secret_cache_refresh_failures_total{kind=\"unreachable\"}"), outage);

            String log = jetty.log();
            assertEquals(1, count(log, "certificate entry bad.test.com is not served: failed to resolve secret reference "
                    + "$secret://vault/quickstart-secret-id/nope/x.crt: no secret at nope in vault/quickstart-secret-id"), log);
            assertEquals(1, count(log, "failed to fetch secret vault/quickstart-secret-id/ssl: Vault at " + vault.address()
                    + " is unreachable (connection refused) reading kv/apisix/ssl (serving the last good value)"), log);
            assertFalse(log.contains("\tat "), "no stack trace in the log:\n" + log);
            assertFalse(log.contains("PRIVATE KEY"));
        }
    }

    /** The module's properties log in with a JWT file (the library's one mapping), and a rotated file is used. */
    @Test
    void moduleOnly_jwtLoginFromTheModulesProperties() throws Exception {
        Issued vaultCert = root.leaf("EC", "test.com");
        storeInVault(vaultCert);
        TestJwts jwts = new TestJwts();
        vaultHttp.enableAuth("jetty-base-root", "jwt-gw", "jwt");
        vaultHttp.jwtRole("jetty-base-root", "jwt-gw", "gateway", jwts.publicKeyPem(), "vault",
                List.of("apisix-policy"), "2s");
        Path base = base(false);
        Files.writeString(base.resolve("etc/vault.jwt"), jwts.jwt("jetty-1", "vault", Duration.ofMinutes(10)));
        writeBindings(base, binding("test.com", "$secret://vault/quickstart-secret-id/ssl/test.com.crt",
                "$secret://vault/quickstart-secret-id/ssl/test.com.key"));
        try (JettyProcess jetty = JettyProcess.start(base, "jetty.http.port=" + httpPort, "jetty.ssl.port=" + httpsPort,
                "jetty.vaultSni.vaultUri=" + vault.address(), "jetty.vaultSni.vaultPrefix=kv/apisix",
                "jetty.vaultSni.vaultSecretObjectId=quickstart-secret-id", "jetty.vaultSni.vaultAuthMethod=jwt",
                "jetty.vaultSni.vaultAuthRole=gateway", "jetty.vaultSni.vaultAuthMount=jwt-gw",
                "jetty.vaultSni.vaultJwtFile=etc/vault.jwt", "jetty.vaultSni.cacheTtl=1")) {
            jetty.await().until(() -> vaultCert.certificate().equals(served("test.com")));
            long logins = vault.count("POST", "/v1/auth/jwt-gw/login");
            assertTrue(logins >= 1);

            // A new JWT in the file: the next login (the 2 s token runs out) sends it.
            String rotated = jwts.jwt("jetty-2", "vault", Duration.ofMinutes(10));
            Files.writeString(base.resolve("etc/vault.jwt"), rotated);
            Issued next = root.leaf("EC", "test.com");
            storeInVault(next);
            jetty.await().until(() -> next.certificate().equals(served("test.com")));
            jetty.await().until(() -> vault.requests().stream().anyMatch(r -> r.body().contains(rotated)));
            assertFalse(jetty.log().contains(rotated), "the JWT is never logged");
        }
    }

    @Test
    void fullBase_walkThroughThroughTheDeployedWar() throws Exception {
        storeInVault(root.leaf("EC", "test.com"));
        HttpServer httpbin = HttpbinIp.start();
        Path base = base(true);
        try (JettyProcess jetty = JettyProcess.start(base, properties())) {
            assertTrue(jetty.log().contains("SSL objects are served through the vault-sni module's certificate registry"),
                    jetty.log());
            String key = Files.readString(base.resolve("gateway-data/admin.key")).trim();
            HttpClient http = HttpClient.newHttpClient();
            String admin = "http://127.0.0.1:" + httpPort + "/apisix/admin/";
            assertEquals(201, put(http, admin + "secrets/vault/quickstart-secret-id", key, "{\"uri\":\"" + vault.address()
                    + "\",\"prefix\":\"kv/apisix\",\"token\":\"" + Files.readString(base.resolve("etc/vault-token")).trim() + "\"}"));
            assertEquals(201, put(http, admin + "ssls", key, "{\"id\":\"quickstart-tls-client-ssl\",\"sni\":\"test.com\","
                    + "\"cert\":\"$secret://vault/quickstart-secret-id/ssl/test.com.crt\","
                    + "\"key\":\"$secret://vault/quickstart-secret-id/ssl/test.com.key\"}"));
            assertEquals(201, put(http, admin + "routes", key, "{\"id\":\"quickstart-client-ip\",\"uri\":\"/ip\","
                    + "\"upstream\":{\"nodes\":{\"127.0.0.1:" + httpbin.getAddress().getPort() + "\":1},\"type\":\"roundrobin\"}}"));
            jetty.await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(10))
                    .until(() -> served("test.com") != null); // an admin write applies within 1 s
            String response = request("test.com", "/ip");
            assertTrue(response.startsWith("HTTP/1.1 200"), response);
            assertTrue(response.endsWith("{\"origin\":\"127.0.0.1\"}"), response);
            // The WAR's metrics, behind its admin key: its traffic, and the module's handshakes (one registry).
            String metrics = get("http://127.0.0.1:" + httpPort + "/apisix/prometheus/metrics?api_key=" + key);
            assertTrue(metrics.lines().anyMatch(l -> l.startsWith("apisix_http_status{") && l.contains("code=\"200\"")
                    && l.contains("route=\"quickstart-client-ip\"")), metrics);
            assertTrue(metrics.contains("vault_sni_handshakes_total{result=\"served\",sni=\"test.com\"}"), metrics);
            assertTrue(metrics.contains("vault_sni_certificate_state{ssl=\"quickstart-tls-client-ssl\",state=\"active\"} 1.0"),
                    metrics);
        } finally {
            httpbin.stop(0);
        }
    }

    @Test
    void addModules_onAnEmptyBase_exitsZero_andTheServerStartsAndServes() throws Exception {
        Path base = dir.resolve("empty");
        Files.createDirectories(base.resolve("modules"));
        Files.createDirectories(base.resolve("etc"));
        Files.copy(TEMPLATE.resolve("modules/vault-sni.mod"), base.resolve("modules/vault-sni.mod"));
        Files.copy(TEMPLATE.resolve("etc/jetty-vault-sni.xml"), base.resolve("etc/jetty-vault-sni.xml"));
        try (Stream<Path> jars = Files.list(TEMPLATE.resolve("lib/vault-sni"))) {
            Files.createDirectories(base.resolve("lib/vault-sni"));
            for (Path jar : jars.toList()) {
                Files.copy(jar, base.resolve("lib/vault-sni").resolve(jar.getFileName()));
            }
        }
        assertEquals(0, JettyProcess.run(base, "--add-modules=vault-sni,https"), Files.readString(base.resolve("start-jar.log")));
        assertTrue(Files.exists(base.resolve("start.d/vault-sni.ini")));
        Issued inline = root.leaf("EC", "plain.test.com");
        writeBindings(base, binding("plain.test.com", inline.certificatePem(), inline.privateKeyPem()));
        try (JettyProcess jetty = JettyProcess.start(base, "jetty.ssl.port=" + httpsPort)) {
            jetty.await().until(() -> inline.certificate().equals(served("plain.test.com")));
        }
    }

    private static int put(HttpClient http, String url, String key, String body) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url)).header("X-API-KEY", key)
                .PUT(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        return response.statusCode();
    }

    /** The certificate the HTTPS connector serves for this SNI, or null when the handshake is refused. */
    private X509Certificate served(String sni) {
        try (SSLSocket socket = socket(sni)) {
            socket.startHandshake();
            X509Certificate leaf = (X509Certificate) socket.getSession().getPeerCertificates()[0];
            socket.getSession().invalidate();
            return leaf;
        } catch (SSLException e) {
            return null;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private String request(String sni, String path) throws IOException {
        try (SSLSocket socket = socket(sni)) {
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + sni + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private SSLSocket socket(String sni) throws IOException {
        SSLContext context = TestPki.clientContext(root, null);
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", httpsPort);
        socket.setSoTimeout(10_000);
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setServerNames(List.of(new SNIHostName(sni)));
        socket.setSSLParameters(parameters);
        return socket;
    }

    private static boolean logged(JettyProcess jetty, String text) {
        try {
            return jetty.log().contains(text);
        } catch (IOException e) {
            return false;
        }
    }

    private static int count(String text, String part) {
        return text.split(java.util.regex.Pattern.quote(part), -1).length - 1;
    }
}
