package io.github.vaultsni.gateway.proxy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.vaultsni.gateway.admin.AdminTestClient;
import io.github.vaultsni.pem.Pem;
import io.github.vaultsni.testsupport.TestPki;
import io.github.vaultsni.testsupport.TestPki.Issued;
import io.github.vaultsni.vaulttest.VaultHttp;
import io.github.vaultsni.vaulttest.VaultTestServer;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Upstreams over TLS: verification on and off, and upstream mTLS with a client certificate kept in Vault. */
@ParameterizedClass
@EnumSource(DoorKind.class)
@Timeout(60)
class UpstreamTlsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "upstream-tls-admin-key";

    @TempDir
    Path dir;
    @Parameter
    DoorKind kind;
    private ProxyDoor gateway;
    private AdminTestClient admin;
    private HttpClient http;
    private Server upstream;
    private VaultTestServer vault;
    private Issued clientCa;

    @BeforeEach
    void start() throws Exception {
        Issued serverCa = TestPki.rootCa("Upstream CA", "EC");
        Issued upstreamCert = serverCa.leaf("EC", "localhost");
        clientCa = TestPki.rootCa("Client CA", "EC");
        upstream = new Server();
        SslContextFactory.Server tls = new SslContextFactory.Server();
        tls.setKeyStore(keyStore(upstreamCert));
        tls.setKeyStorePassword("x");
        tls.setTrustStore(TestPki.trustStore(clientCa.certificate()));
        tls.setWantClientAuth(true);
        HttpConfiguration config = new HttpConfiguration();
        config.addCustomizer(new SecureRequestCustomizer(false));
        ServerConnector connector = new ServerConnector(upstream, new SslConnectionFactory(tls, "http/1.1"),
                new HttpConnectionFactory(config));
        connector.setHost("127.0.0.1");
        upstream.addConnector(connector);
        upstream.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                EndPoint.SslSessionData ssl = (EndPoint.SslSessionData) request.getAttribute(EndPoint.SslSessionData.ATTRIBUTE);
                X509Certificate[] peer = ssl == null ? null : ssl.peerCertificates();
                Content.Sink.write(response, true, peer == null || peer.length == 0 ? "anonymous"
                        : peer[0].getSubjectX500Principal().getName(), callback);
                return true;
            }
        });
        upstream.start();
        vault = VaultTestServer.builder().rootToken("root").start();
        gateway = kind.start(dir.resolve("data"), KEY);
        admin = gateway.admin();
        http = new HttpClient();
        http.start();
    }

    @AfterEach
    void stop() throws Exception {
        http.stop();
        gateway.close();
        upstream.stop();
        vault.close();
    }

    private static KeyStore keyStore(Issued issued) throws Exception {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("k", issued.keys().getPrivate(), "x".toCharArray(), issued.chain().toArray(X509Certificate[]::new));
        return keys;
    }

    private int upstreamPort() {
        return ((ServerConnector) upstream.getConnectors()[0]).getLocalPort();
    }

    private void put(String path, String body) {
        AdminTestClient.Answer a = admin.call("PUT", path, body);
        assertTrue(a.status() == 200 || a.status() == 201, a::toString);
    }

    private ContentResponse get(String path) throws Exception {
        return http.newRequest("http://127.0.0.1:" + gateway.httpPort() + path).timeout(10, TimeUnit.SECONDS).send();
    }

    private String route(String uri, String tls) {
        return "{\"uri\":\"" + uri + "\",\"upstream\":{\"scheme\":\"https\",\"nodes\":{\"127.0.0.1:" + upstreamPort()
                + "\":1}" + (tls == null ? "" : ",\"tls\":" + tls) + "}}";
    }

    @Test
    void httpsUpstream_unverifiedByDefault_verifiedRefusesAnUntrustedCertificate() throws Exception {
        put("routes/plain", route("/plain", null));
        put("routes/verified", route("/verified", "{\"verify\":true}"));
        ContentResponse plain = get("/plain");
        assertEquals(200, plain.getStatus(), plain.getContentAsString());
        assertEquals("anonymous", plain.getContentAsString());
        ContentResponse verified = get("/verified");
        assertEquals(502, verified.getStatus());
        assertEquals("{\"error_msg\":\"502 Bad Gateway\"}", verified.getContentAsString());
    }

    @Test
    void upstreamMtls_withClientCertificateFromVault() throws Exception {
        Issued client = clientCa.leaf("EC", "gateway-client");
        VaultHttp vaultHttp = new VaultHttp(vault.address());
        vaultHttp.enableKv("root", "kv", 1);
        vaultHttp.putSecret("root", 1, "kv", "apisix/client", Map.of("crt", client.certificatePem(), "key", client.privateKeyPem()));
        put("secrets/vault/v", "{\"uri\":\"" + vault.address() + "\",\"prefix\":\"kv/apisix\",\"token\":\"root\"}");
        put("ssls/client", "{\"type\":\"client\",\"cert\":\"$secret://vault/v/client/crt\",\"key\":\"$secret://vault/v/client/key\"}");
        put("routes/mtls", route("/mtls", "{\"client_cert_id\":\"client\"}"));
        // 502 until the client certificate is fetched from Vault and built
        ContentResponse response = await().atMost(Duration.ofSeconds(5)).until(() -> get("/mtls"), r -> r.getStatus() != 502);
        assertEquals(200, response.getStatus(), response.getContentAsString());
        assertEquals("CN=gateway-client", response.getContentAsString());
        assertEquals(List.of("CN=gateway-client"), List.of(get("/mtls").getContentAsString()));
    }

    @Test
    void clientCertificates_areChosenPerConnection_andARotationIsPresentedByTheNextConnection() throws Exception {
        Issued a = clientCa.leaf("EC", "client-a");
        Issued b = clientCa.leaf("RSA", "client-b");
        put("ssls/a", clientObject(a));
        put("ssls/b", clientObject(b));
        put("routes/a", route("/a", "{\"client_cert_id\":\"a\"}"));
        put("routes/b", route("/b", "{\"client_cert_id\":\"b\"}"));
        put("routes/none", route("/none", null));
        await().atMost(Duration.ofSeconds(5)).until(() -> get("/a").getStatus() == 200 && get("/b").getStatus() == 200);
        for (int i = 0; i < 3; i++) {
            assertEquals("CN=client-a", get("/a").getContentAsString(), "one node, each route its own certificate");
            assertEquals("CN=client-b", get("/b").getContentAsString(), "never another's session resumed");
            assertEquals("anonymous", get("/none").getContentAsString(), "no certificate where none is named");
        }

        Issued rotated = clientCa.leaf("EC", "client-a-rotated");
        put("ssls/a", clientObject(rotated));
        upstream.getConnectors()[0].getConnectedEndPoints().forEach(endPoint -> endPoint.close()); // new connections
        await().atMost(Duration.ofSeconds(5)).until(() -> get("/a").getContentAsString().equals("CN=client-a-rotated"));
        assertEquals("CN=client-b", get("/b").getContentAsString());

        assertEquals(200, admin.call("DELETE", "routes/a", null).status());
        assertEquals(200, admin.call("DELETE", "ssls/a", null).status());
        assertEquals("CN=client-b", get("/b").getContentAsString());
    }

    @Test
    void upstreamMtls_withAClientKeyKeptInVaultTransit_isSignedThroughVault() throws Exception {
        VaultHttp vaultHttp = new VaultHttp(vault.address());
        vaultHttp.expect(204, "POST", "sys/mounts/transit", "root", Map.of("type", "transit"));
        vaultHttp.expect(204, "POST", "transit/keys/client", "root", Map.of("type", "ecdsa-p256"));
        String publicKey = vaultHttp.expect(200, "GET", "transit/keys/client", "root", null).data()
                .path("keys").path("1").path("public_key").asText();
        Issued client = clientCa.leafFor(Pem.decodePublicKey("transit", publicKey), "keyless-client");
        put("secrets/vault/v", "{\"uri\":\"" + vault.address() + "\",\"prefix\":\"kv/apisix\",\"token\":\"root\"}");
        ObjectNode ssl = JSON.createObjectNode().put("type", "client").put("cert", client.certificatePem());
        ssl.putObject("signer").putObject("vault_transit").put("secret_id", "v").put("key", "client");
        put("ssls/keyless", ssl.toString());
        put("routes/keyless", route("/keyless", "{\"client_cert_id\":\"keyless\"}"));
        ContentResponse response = await().atMost(Duration.ofSeconds(5)).until(() -> get("/keyless"), r -> r.getStatus() != 502);
        assertEquals(200, response.getStatus(), response.getContentAsString());
        assertEquals("CN=keyless-client", response.getContentAsString());
        assertEquals(1, vault.count("POST", "/v1/transit/sign/client/sha2-256"), "the client handshake's one signature");
    }

    private static String clientObject(Issued leaf) {
        return JSON.createObjectNode().put("type", "client").put("cert", leaf.certificatePem())
                .put("key", leaf.privateKeyPem()).toString();
    }
}
