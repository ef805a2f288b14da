package io.github.vaultsni.boot;

import io.github.vaultsni.sni.SniCertificates;
import io.github.vaultsni.sni.SniEntry;
import io.github.vaultsni.sni.SniCertificateIndex;
import io.github.vaultsni.sni.SniEntryPreference;
import io.github.vaultsni.pem.Pem;
import io.github.vaultsni.testsupport.TestPki;
import io.github.vaultsni.testsupport.TestPki.Issued;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.jetty.servlet.JettyServletWebServerFactory;
import org.springframework.boot.web.server.Http2;
import org.springframework.boot.web.server.Ssl;
import org.springframework.boot.web.server.WebServer;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Boot's own Jetty factory, customized and started on a free port, answering real TLS handshakes. */
@Timeout(60)
class VaultSniJettyCustomizerTest {
    private static Issued root;
    private static Issued testCom;
    private final SniCertificates certificates = new SniCertificates();
    private WebServer server;

    @BeforeAll
    static void pki() {
        root = TestPki.rootCa("ROOTCA", "EC");
        testCom = root.leaf("EC", "test.com");
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop();
        }
    }

    private JettyServletWebServerFactory factory(boolean http2) {
        JettyServletWebServerFactory factory = new JettyServletWebServerFactory(0);
        Http2 h2 = new Http2();
        h2.setEnabled(http2);
        factory.setHttp2(h2);
        new VaultSniJettyCustomizer(certificates).customize(factory);
        return factory;
    }

    private void start(JettyServletWebServerFactory factory) {
        server = factory.getWebServer();
        server.start();
        SniEntry entry = SniEntry.of("test.com", List.of("test.com"), List.of(Pem.decodeCertifiedKey("cert",
                testCom.certificatePem(), "key", testCom.privateKeyPem(), null)));
        certificates.publish(SniCertificateIndex.build(List.of(entry), null, SniEntryPreference.newestValid(), Instant.now()));
    }

    /** A handshake offering h2 and http/1.1, then, unless h2 was chosen, one HTTP/1.1 request: ALPN and answer. */
    private String[] exchange(String sni) throws Exception {
        try (SSLSocket socket = (SSLSocket) TestPki.clientContext(root, null).getSocketFactory()
                .createSocket("127.0.0.1", server.getPort())) {
            socket.setSoTimeout(10_000);
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setServerNames(List.of(new SNIHostName(sni)));
            parameters.setApplicationProtocols(new String[]{"h2", "http/1.1"});
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            assertEquals(testCom.certificate(), socket.getSession().getPeerCertificates()[0]);
            if ("h2".equals(socket.getApplicationProtocol())) {
                return new String[]{"h2", null};
            }
            socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: test.com\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            return new String[]{socket.getApplicationProtocol(),
                    new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8)};
        }
    }

    @Test
    void withHttp2_serverPortServesTheCertificatesBySni_negotiatingH2() throws Exception {
        start(factory(true));
        assertEquals("h2", exchange("test.com")[0]);
        assertThrows(SSLHandshakeException.class, () -> exchange("unknown.test"));
    }

    @Test
    void withoutHttp2_serverPortIsTlsThenHttp11() throws Exception {
        start(factory(false));
        String[] answer = exchange("test.com");
        assertEquals("", answer[0], "no ALPN");
        assertTrue(answer[1].startsWith("HTTP/1.1 404"), "Jetty answers, no servlet is mapped: " + answer[1]);
    }

    @Test
    void serverPortMinusOne_isBuiltAsBootBuildsIt_onPortZero() {
        JettyServletWebServerFactory factory = factory(true);
        factory.setPort(-1); // no HTTP endpoints: Boot still builds the server, with a port-0 connector it never opens
        List<List<String>> built = new ArrayList<>(); // read after ours: Boot takes the connectors off until start
        factory.addServerCustomizers(jetty -> Arrays.stream(jetty.getConnectors())
                .forEach(connector -> built.add(connector.getProtocols())));
        server = assertDoesNotThrow(() -> factory.getWebServer());
        assertEquals(List.of(List.of("sni-client-hello", "ssl", "alpn", "h2", "http/1.1")), built);
    }

    @Test
    void serverSsl_isRefused_sayingWhatToDo(@TempDir Path dir) throws Exception {
        Path cert = Files.writeString(dir.resolve("cert.pem"), testCom.certificatePem());
        Path key = Files.writeString(dir.resolve("key.pem"), testCom.privateKeyPem());
        JettyServletWebServerFactory factory = factory(true);
        Ssl ssl = new Ssl();
        ssl.setCertificate(cert.toUri().toString());
        ssl.setCertificatePrivateKey(key.toUri().toString());
        factory.setSsl(ssl);
        IllegalStateException refused = assertThrows(IllegalStateException.class, factory::getWebServer);
        assertEquals("server.ssl is set, but vault-sni serves the certificates of server.port 0: remove server.ssl.*, "
                + "or set vault-sni.enabled=false", refused.getMessage());
    }
}
