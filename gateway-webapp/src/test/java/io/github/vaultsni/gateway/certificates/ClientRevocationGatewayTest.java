package io.github.vaultsni.gateway.certificates;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.vaultsni.gateway.Gateway;
import io.github.vaultsni.gateway.TestGatewayConfig;
import io.github.vaultsni.gateway.admin.AdminTestClient;
import io.github.vaultsni.gateway.MetricsScrape;
import io.github.vaultsni.pem.CertifiedKey;
import io.github.vaultsni.pem.Pem;
import io.github.vaultsni.testsupport.ExternalTools;
import io.github.vaultsni.testsupport.TestPki;
import io.github.vaultsni.testsupport.TlsClients;
import io.github.vaultsni.testsupport.TestPki.Issued;
import io.github.vaultsni.vaulttest.VaultHttp;
import io.github.vaultsni.vaulttest.VaultTestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManagerFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Client certificates checked against Vault PKI's revocation list, written through the admin API: a client
 * certificate revoked in Vault is refused in the handshake (the JDK's client and {@code openssl s_client}) within one
 * refresh of the list while another of the same CA is accepted; a list past its nextUpdate is refused by a
 * {@code fail_closed} object and ignored by a {@code fail_open} one.
 */
@Timeout(120)
class ClientRevocationGatewayTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ADMIN = "revocation-admin-key";
    private static final String ROOT = "revocation-root";
    private static final Issued SERVER_CA = TestPki.rootCa("SERVER-ROOT", "EC");

    @TempDir
    Path dir;
    private VaultTestServer vault;
    private VaultHttp http;
    private Gateway gateway;
    private String vaultCaPem;

    @BeforeEach
    void start() throws Exception {
        vault = VaultTestServer.builder().rootToken(ROOT).start();
        http = new VaultHttp(vault.address());
        vaultCaPem = http.enablePki(ROOT, "pki");
        http.expect(200, "POST", "pki/roles/clients", ROOT, Map.of("allow_any_name", true, "key_type", "ec",
                "max_ttl", "720h"));
        gateway = Gateway.start(TestGatewayConfig.loopback(dir.resolve("data")).adminKey(ADMIN).build());
        put("secrets/vault/pki-vault", JSON.createObjectNode().put("uri", vault.address()).put("prefix", "kv")
                .put("token", ROOT));
    }

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        vault.close();
    }

    @Test
    void aClientCertificateRevokedInVault_isRefusedWithinARefresh_anotherIsAccepted() throws Exception {
        JsonNode alice = issue("alice");
        JsonNode bob = issue("bob");
        ObjectNode revocation = JSON.createObjectNode().put("refresh", 1);
        revocation.putObject("vault_pki").put("secret_id", "pki-vault").put("mount", "pki");
        put("ssls/mtls", mtls("mtls.internal.test", revocation));
        awaitList("mtls", "current");
        assertTrue(accepted("mtls.internal.test", alice));
        assertTrue(accepted("mtls.internal.test", bob));

        http.expect(200, "POST", "pki/revoke", ROOT, Map.of("serial_number", alice.get("serial_number").asText()));
        await().atMost(Duration.ofSeconds(5)).until(() -> !accepted("mtls.internal.test", alice));
        assertTrue(accepted("mtls.internal.test", bob));
        String openssl = openssl("mtls.internal.test", alice);
        assertFalse(openssl.contains("HTTP/1.1"), "openssl got no answer with the revoked certificate: " + openssl);
        String accepted = openssl("mtls.internal.test", bob);
        assertTrue(accepted.contains("HTTP/1.1 404"), accepted);

        JsonNode status = admin().call("GET", "ssls/mtls/status", null).json().get("revocation");
        assertEquals(1, status.get("revoked").asInt(), status::toString);
        assertEquals("vault_pki pki-vault/pki", status.get("source").asText());
        String metrics = scrape();
        assertTrue(metrics.contains("vault_sni_handshakes_total{result=\"client_certificate_revoked\","
                + "sni=\"mtls.internal.test\"}"), metrics);
        assertTrue(metrics.contains("vault_sni_client_certificates_revoked_total{ssl=\"mtls\"}"), metrics);
    }

    /** TLS 1.2 sessions resume by id from the server's cache: a revoked certificate's session ends with it. */
    @Test
    void aResumedSessionOfARevokedCertificate_isRefused() throws Exception {
        JsonNode alice = issue("alice");
        ObjectNode revocation = JSON.createObjectNode().put("refresh", 1);
        revocation.putObject("vault_pki").put("secret_id", "pki-vault").put("mount", "pki");
        put("ssls/mtls", mtls("mtls.internal.test", revocation));
        awaitList("mtls", "current");
        SSLContext context = clientContext(alice);
        byte[] first = sessionId(context, "mtls.internal.test");
        assertTrue(java.util.Arrays.equals(first, sessionId(context, "mtls.internal.test")), "the session resumes");

        http.expect(200, "POST", "pki/revoke", ROOT, Map.of("serial_number", alice.get("serial_number").asText()));
        await().atMost(Duration.ofSeconds(5)).until(
                () -> admin().call("GET", "ssls/mtls/status", null).json().get("revocation").get("revoked").asInt() == 1);
        assertEquals(null, sessionId(context, "mtls.internal.test"), "the resumed session is refused");
    }

    @Test
    void aListPastItsNextUpdate_isRefusedFailClosed_andIgnoredFailOpen() throws Exception {
        JsonNode bob = issue("bob");
        http.expect(200, "POST", "pki/config/crl", ROOT, Map.of("expiry", "1s"));
        http.expect(200, "GET", "pki/crl/rotate", ROOT, null);
        String stalePem = new String(http.raw("pki/crl/pem").body(), StandardCharsets.US_ASCII);
        Thread.sleep(1_500); // not a wait for the gateway: the CRL's own nextUpdate, on the real clock, passes
        ObjectNode closed = JSON.createObjectNode().put("crl", stalePem).put("grace", 0);
        ObjectNode open = closed.deepCopy().put("fail_mode", "fail_open");
        put("ssls/closed", mtls("closed.internal.test", closed));
        put("ssls/open", mtls("open.internal.test", open));
        awaitList("closed", "stale");
        awaitList("open", "stale");
        assertFalse(accepted("closed.internal.test", bob), "fail_closed: no current list, no client certificate");
        assertTrue(accepted("open.internal.test", bob), "fail_open: accepted unchecked");
    }

    private JsonNode issue(String name) {
        return http.expect(200, "POST", "pki/issue/clients", ROOT, Map.of("common_name", name, "ttl", "1h")).data();
    }

    private ObjectNode mtls(String sni, ObjectNode revocation) {
        Issued server = SERVER_CA.leaf("EC", sni);
        ObjectNode ssl = JSON.createObjectNode().put("sni", sni).put("cert", server.certificatePem())
                .put("key", server.privateKeyPem());
        ssl.putObject("client").put("ca", vaultCaPem).set("revocation", revocation);
        return ssl;
    }

    private void awaitList(String id, String state) {
        await().atMost(Duration.ofSeconds(5)).until(() -> {
            JsonNode status = admin().call("GET", "ssls/" + id + "/status", null).json();
            return status.has("revocation") && state.equals(status.get("revocation").get("state").asText());
        });
    }

    /** Whether a request with {@code client}'s certificate gets an HTTP answer (any: no route here answers 404). */
    private boolean accepted(String sni, JsonNode client) throws Exception {
        return request(clientContext(client), sni, null) != null;
    }

    /**
     * The TLS 1.2 session id of a request over {@code context} (which keeps its sessions, so the next may resume
     * this one), or null when no HTTP answer comes.
     */
    private byte[] sessionId(SSLContext context, String sni) throws Exception {
        return request(context, sni, "TLSv1.2");
    }

    /** One GET; the session's id when an HTTP answer comes, else null. */
    private byte[] request(SSLContext context, String sni, String protocol) {
        SSLSession session = TlsClients.get(context, gateway.httpsPort(), sni, protocol);
        return session == null ? null : session.getId();
    }

    /** A client context presenting {@code client}'s certificate and trusting the server's CA. */
    private static SSLContext clientContext(JsonNode client) throws Exception {
        CertifiedKey key = Pem.decodeCertifiedKey("client", client.get("certificate").asText(), "key",
                client.get("private_key").asText(), null);
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("client", key.privateKey(), "x".toCharArray(), key.chain().toArray(X509Certificate[]::new));
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, "x".toCharArray());
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", SERVER_CA.certificate());
        TrustManagerFactory trusted = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trusted.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), trusted.getTrustManagers(), null);
        return context;
    }

    /** A GET through {@code openssl s_client} presenting {@code client}'s certificate, read until the end. */
    private String openssl(String sni, JsonNode client) throws Exception {
        ExternalTools.require("openssl");
        Path cert = Files.writeString(dir.resolve(sni + "-client.crt"), client.get("certificate").asText());
        Path key = Files.writeString(dir.resolve(sni + "-client.key"), client.get("private_key").asText());
        return ExternalTools.run(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + gateway.httpsPort(),
                "-servername", sni, "-cert", cert.toString(), "-key", key.toString(), "-ign_eof"),
                "GET / HTTP/1.1\r\nHost: " + sni + "\r\nConnection: close\r\n\r\n", Duration.ofSeconds(20));
    }

    private AdminTestClient admin() {
        return new AdminTestClient(gateway.adminPort(), ADMIN);
    }

    private void put(String path, ObjectNode body) {
        admin().write("PUT", path, body.toString());
    }

    private String scrape() {
        return MetricsScrape.of(gateway);
    }
}
