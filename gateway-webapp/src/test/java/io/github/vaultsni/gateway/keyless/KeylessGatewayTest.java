package io.github.vaultsni.gateway.keyless;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.vaultsni.gateway.Gateway;
import io.github.vaultsni.gateway.MetricsScrape;
import io.github.vaultsni.gateway.TestGatewayConfig;
import io.github.vaultsni.gateway.admin.AdminTestClient;
import io.github.vaultsni.pem.Pem;
import io.github.vaultsni.testsupport.ExternalTools;
import io.github.vaultsni.testsupport.TestPki;
import io.github.vaultsni.testsupport.TlsClients;
import io.github.vaultsni.testsupport.TestPki.Issued;
import io.github.vaultsni.tls.TlsProvider;
import io.github.vaultsni.vaulttest.VaultHttp;
import io.github.vaultsni.vaulttest.VaultTestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Keyless SSL objects written through the admin API: the certificate's private key is a Vault Transit key, which
 * signs each full handshake (one {@code sign} per full handshake, none on resumption) and is never read; ECDSA and
 * RSA over TLS 1.2 and 1.3 with the JDK's client, and RSA's two schemes with {@code openssl s_client}; a Transit key
 * that does not hold the certificate's public key is refused; a Vault that hangs refuses keyless handshakes within
 * the deadline while other names go on being served at once.
 */
@ParameterizedClass
@EnumSource(value = TlsProvider.class, names = {"JDK", "AUTO"})
@Timeout(120)
class KeylessGatewayTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ADMIN = "keyless-admin-key";
    private static final String ROOT = "keyless-root";
    private static final Issued CA = TestPki.rootCa("KEYLESS-ROOT", "EC");

    @TempDir
    Path dir;
    /** The connector's TLS: keyless names are served by the JDK's even where the connector's is Conscrypt. */
    @Parameter
    TlsProvider provider;
    private VaultTestServer vault;
    private VaultHttp http;
    private Gateway gateway;

    @BeforeEach
    void start() throws Exception {
        vault = VaultTestServer.builder().rootToken(ROOT).start();
        http = new VaultHttp(vault.address());
        http.expect(204, "POST", "sys/mounts/transit", ROOT, Map.of("type", "transit"));
        gateway = Gateway.start(TestGatewayConfig.loopback(dir.resolve("data")).adminKey(ADMIN)
                .tlsSessionTickets(tickets()).tlsProvider(provider).build());
        put("secrets/vault/transit-vault", JSON.createObjectNode().put("uri", vault.address()).put("prefix", "kv")
                .put("token", ROOT));
    }

    /**
     * Tickets on with the JDK's connector, off (APISIX's default) with Conscrypt's, whose keyless names are served by
     * a JDK context that must then acknowledge no ticket either (TLS 1.2 clients fail a ServerHello that does).
     */
    private boolean tickets() {
        return provider == TlsProvider.JDK;
    }

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        vault.close();
    }

    @Test
    void ecdsaAndRsaKeysInTransit_signFullHandshakes_overTls12And13_andResumptionSignsNothing() throws Exception {
        int signatures = 0;
        Issued ec = keyless("ec", "ecdsa-p256", "ec.keyless.test");
        Issued rsa = keyless("rsa", "rsa-2048", "rsa.keyless.test");
        for (String protocol : List.of("TLSv1.3", "TLSv1.2")) {
            for (Map.Entry<String, Issued> object : Map.of("ec.keyless.test", ec, "rsa.keyless.test", rsa).entrySet()) {
                String key = object.getKey().startsWith("ec") ? "ec" : "rsa";
                long before = signs(key);
                SSLContext client = TestPki.clientContext(CA, null);
                X509Certificate served = get(client, object.getKey(), protocol);
                assertEquals(object.getValue().certificate(), served, protocol + " " + object.getKey());
                assertEquals(1, signs(key) - before, "one signature per full handshake: " + protocol + " " + key);
                assertEquals(object.getValue().certificate(), get(client, object.getKey(), protocol), "resumed");
                // without tickets a TLS 1.3 session never resumes (TLS 1.2's resume by id): every handshake is full
                int full = !tickets() && protocol.equals("TLSv1.3") ? 2 : 1;
                assertEquals(full, signs(key) - before, "none when the session resumes: " + protocol + " " + key);
                signatures += full;
            }
        }
        assertTrue(MetricsScrape.of(gateway).contains("vault_sni_keyless_signatures_total{outcome=\"signed\"} "
                + signatures + ".0"), signatures + " full handshakes signed");
        assertTrue(vault.requests().stream().noneMatch(r -> r.path().contains("/export/")
                || r.path().contains("/backup/")), "the private key is never read");
        JsonNode stored = admin().call("GET", "ssls/ec", null).json().path("value");
        assertEquals("ec", stored.path("signer").path("vault_transit").path("key").asText(), stored::toString);
        assertFalse(stored.has("key"), stored::toString);
    }

    @Test
    void opensslSignsWithRsaPkcs1InTls12_andRsaPssInTls13() throws Exception {
        ExternalTools.require("openssl");
        keyless("rsa", "rsa-2048", "rsa.keyless.test");
        Path ca = Files.writeString(dir.resolve("ca.pem"), Pem.encodeCertificates(List.of(CA.certificate())));
        String pkcs1 = openssl("rsa.keyless.test", ca, "-tls1_2", "-sigalgs", "RSA+SHA256");
        assertTrue(pkcs1.contains("Peer signature type: RSA\n") || pkcs1.contains("Peer signature type: RSA\r"), pkcs1);
        assertTrue(pkcs1.contains("HTTP/1.1 404"), pkcs1);
        String pss = openssl("rsa.keyless.test", ca, "-tls1_3", "-sigalgs", "rsa_pss_rsae_sha384");
        assertTrue(pss.contains("Peer signature type: RSA-PSS"), pss);
        assertTrue(pss.contains("HTTP/1.1 404"), pss);
        assertEquals(1, vault.count("POST", "/v1/transit/sign/rsa/sha2-384"), "PSS with SHA-384, as negotiated");
        ExternalTools.require("curl");
        String h2 = ExternalTools.run(List.of("curl", "-sS", "--http2", "--cacert", ca.toString(), "--resolve",
                "rsa.keyless.test:" + gateway.httpsPort() + ":127.0.0.1", "-o", "/dev/null", "-w", "%{http_version} %{http_code}",
                "https://rsa.keyless.test:" + gateway.httpsPort() + "/"), "", Duration.ofSeconds(20));
        assertEquals("2 404", h2.trim(), "h2 by ALPN on the keyless name's engine");
    }

    @Test
    void aTransitKeyNotHoldingTheCertificatesKey_isRefusedWithAClearStatus() throws Exception {
        createKey("other", "ecdsa-p256");
        Issued unrelated = CA.leaf("EC", "mismatch.keyless.test");
        ObjectNode ssl = JSON.createObjectNode().put("sni", "mismatch.keyless.test").put("cert", unrelated.certificatePem());
        ssl.putObject("signer").putObject("vault_transit").put("secret_id", "transit-vault").put("key", "other");
        put("ssls/mismatch", ssl);
        JsonNode status = awaitState("mismatch", "FAILED");
        assertTrue(status.path("error").asText().contains("no version of the Transit key transit/keys/other"),
                status::toString);
        assertNull(get(TestPki.clientContext(CA, null), "mismatch.keyless.test", "TLSv1.3"), "not served");

        ObjectNode both = ssl.deepCopy().put("key", unrelated.privateKeyPem());
        AdminTestClient.Answer refused = admin().call("PUT", "ssls/both", both.toString());
        assertEquals(400, refused.status(), refused::toString);
        assertTrue(refused.json().path("error_msg").asText().contains("signer excludes key"), refused::toString);
    }

    @Test
    void aReplacedSecretObject_isSignedThroughAtOnce() throws Exception {
        keyless("ec", "ecdsa-p256", "ec.keyless.test");
        put("secrets/vault/transit-vault", JSON.createObjectNode().put("uri", vault.address()).put("prefix", "kv")
                .put("token", "not-a-token"));
        assertNull(get(TestPki.clientContext(CA, null), "ec.keyless.test", "TLSv1.3"), "Vault refuses that token");
        put("secrets/vault/transit-vault", JSON.createObjectNode().put("uri", vault.address()).put("prefix", "kv")
                .put("token", ROOT));
        assertNotNull(get(TestPki.clientContext(CA, null), "ec.keyless.test", "TLSv1.3"),
                "a refusal opened no breaker, and the new connection signs");
    }

    @Test
    void aHangingVault_refusesKeylessHandshakesWithinTheDeadline_whileOtherNamesAreServedAtOnce() throws Exception {
        keyless("ec", "ecdsa-p256", "ec.keyless.test");
        assertNotNull(get(TestPki.clientContext(CA, null), "ec.keyless.test", "TLSv1.3"));

        vault.injectLatency(Duration.ofSeconds(30));
        long started = System.nanoTime();
        assertNull(get(TestPki.clientContext(CA, null), "ec.keyless.test", "TLSv1.3"), "refused: Vault hangs");
        long refusedMillis = (System.nanoTime() - started) / 1_000_000;
        assertTrue(refusedMillis < 4_000, "refused within the 2 s deadline, not after " + refusedMillis + " ms");
        started = System.nanoTime();
        assertNull(get(TestPki.clientContext(CA, null), "ec.keyless.test", "TLSv1.3"), "refused at once: breaker");
        assertTrue((System.nanoTime() - started) / 1_000_000 < 1_000, "the breaker refuses without waiting");
        String metrics = MetricsScrape.of(gateway);
        assertTrue(metrics.contains("vault_sni_keyless_signatures_total{outcome=\"failed\"} 1.0")
                && metrics.contains("vault_sni_keyless_signatures_total{outcome=\"refused\"} 1.0"), metrics);
        assertOtherNamesServedAtOnce();
    }

    @Test
    void aStoppedVault_refusesKeylessHandshakesAtOnce_andTheyComeBackWithIt() throws Exception {
        keyless("ec", "ecdsa-p256", "ec.keyless.test");
        vault.setReachable(false);
        long started = System.nanoTime();
        assertNull(get(TestPki.clientContext(CA, null), "ec.keyless.test", "TLSv1.3"), "refused: Vault is down");
        long refusedMillis = (System.nanoTime() - started) / 1_000_000;
        assertTrue(refusedMillis < 2_000, "refused at once, not after " + refusedMillis + " ms");
        assertOtherNamesServedAtOnce();

        vault.setReachable(true);
        await().atMost(Duration.ofSeconds(10)).until(() -> get(TestPki.clientContext(CA, null), "ec.keyless.test",
                "TLSv1.3") != null);
    }

    @Test
    void aKeylessObjectAppliedWhileVaultIsDown_isServedOnceVaultIsBack() throws Exception {
        PublicKey publicKey = createKey("late", "ecdsa-p256");
        Issued leaf = CA.leafFor(publicKey, "late.keyless.test");
        vault.setReachable(false);
        ObjectNode ssl = JSON.createObjectNode().put("sni", "late.keyless.test").put("cert", leaf.certificatePem());
        ssl.putObject("signer").putObject("vault_transit").put("secret_id", "transit-vault").put("key", "late");
        put("ssls/late", ssl);
        JsonNode failed = awaitState("late", "FAILED");
        assertTrue(failed.path("error").asText().contains("unreachable"), failed::toString);
        vault.setReachable(true);
        awaitState("late", "ACTIVE"); // built again with backoff: no write needed
        assertEquals(leaf.certificate(), get(TestPki.clientContext(CA, null), "late.keyless.test", "TLSv1.3"));
    }

    /** An ordinary object's name is served in under 100 ms (the median of five, one client context warmed first). */
    private void assertOtherNamesServedAtOnce() throws Exception {
        Issued plain = CA.leaf("EC", "plain.keyless.test");
        put("ssls/plain", JSON.createObjectNode().put("sni", "plain.keyless.test").put("cert", plain.certificatePem())
                .put("key", plain.privateKeyPem()));
        awaitState("plain", "ACTIVE");
        SSLContext client = TestPki.clientContext(CA, null);
        assertNotNull(get(client, "plain.keyless.test", "TLSv1.2"));
        long[] millis = new long[5];
        for (int i = 0; i < millis.length; i++) {
            long started = System.nanoTime();
            SSLContext fresh = TestPki.clientContext(CA, null); // a full handshake each time
            assertNotNull(get(fresh, "plain.keyless.test", "TLSv1.3"));
            millis[i] = (System.nanoTime() - started) / 1_000_000;
        }
        java.util.Arrays.sort(millis);
        assertTrue(millis[2] < 100, "another name is served at once: " + java.util.Arrays.toString(millis) + " ms");
    }

    /** A Transit key of {@code type} named {@code key}, and a keyless object {@code key} for {@code sni} holding it. */
    private Issued keyless(String key, String type, String sni) throws Exception {
        PublicKey publicKey = createKey(key, type);
        Issued leaf = CA.leafFor(publicKey, sni);
        ObjectNode ssl = JSON.createObjectNode().put("sni", sni).put("cert", leaf.certificatePem());
        ssl.putObject("signer").putObject("vault_transit").put("secret_id", "transit-vault").put("key", key);
        put("ssls/" + key, ssl);
        awaitState(key, "ACTIVE");
        return leaf;
    }

    private PublicKey createKey(String key, String type) {
        http.expect(204, "POST", "transit/keys/" + key, ROOT, Map.of("type", type));
        JsonNode data = http.expect(200, "GET", "transit/keys/" + key, ROOT, null).data();
        return Pem.decodePublicKey(key, data.path("keys").path("1").path("public_key").asText());
    }

    private long signs(String key) {
        return vault.requests().stream().filter(r -> r.method().equals("POST")
                && r.path().startsWith("/v1/transit/sign/" + key + "/")).count();
    }

    private JsonNode awaitState(String id, String state) {
        JsonNode[] last = new JsonNode[1];
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            last[0] = admin().call("GET", "ssls/" + id + "/status", null).json();
            return state.equals(last[0].path("state").asText());
        });
        return last[0];
    }

    /** The certificate served for one GET over {@code protocol}, or null when the handshake is refused. */
    private X509Certificate get(SSLContext context, String sni, String protocol) throws Exception {
        SSLSession session = TlsClients.get(context, gateway.httpsPort(), sni, protocol);
        return session == null ? null : (X509Certificate) session.getPeerCertificates()[0];
    }

    private String openssl(String sni, Path ca, String... options) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("openssl", "s_client", "-connect",
                "127.0.0.1:" + gateway.httpsPort(), "-servername", sni, "-CAfile", ca.toString(),
                "-verify_return_error", "-ign_eof"));
        command.addAll(List.of(options));
        return ExternalTools.run(command, "GET / HTTP/1.1\r\nHost: " + sni + "\r\nConnection: close\r\n\r\n",
                Duration.ofSeconds(20));
    }

    private AdminTestClient admin() {
        return new AdminTestClient(gateway.adminPort(), ADMIN);
    }

    private void put(String path, ObjectNode body) {
        admin().write("PUT", path, body.toString());
    }
}
