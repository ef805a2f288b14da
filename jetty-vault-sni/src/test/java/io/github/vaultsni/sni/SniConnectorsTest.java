package io.github.vaultsni.sni;

import io.github.vaultsni.testsupport.TestPki;
import io.github.vaultsni.testsupport.TestPki.Issued;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A plain connector made HTTPS by {@link SniConnectors#serveHttps}, as the Spring Boot starter does with Boot's. */
@Timeout(30)
class SniConnectorsTest {
    private static Issued root;
    private static Issued leaf;
    private final Server server = new Server();
    private final SniCertificates certificates = new SniCertificates();

    @BeforeAll
    static void pki() {
        root = TestPki.rootCa("ROOTCA", "EC");
        leaf = root.leaf("EC", "test.com");
    }

    @AfterEach
    void stop() throws Exception {
        server.stop();
    }

    /** A connector as Spring Boot builds one without server.ssl: HTTP/1.1 and h2c, its own configuration. */
    private ServerConnector plainConnector(int requestHeaderSize) {
        HttpConfiguration configuration = new HttpConfiguration();
        configuration.setRequestHeaderSize(requestHeaderSize);
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(configuration),
                new HTTP2CServerConnectionFactory(configuration));
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                Content.Sink.write(response, true, request.getConnectionMetaData().getProtocol(), callback);
                return true;
            }
        });
        return connector;
    }

    private void serve(ServerConnector connector, boolean http2) throws Exception {
        SniConnectors.serveHttps(connector, new VaultSniSslContextFactory(certificates), http2);
        server.start();
        certificates.publish(SniCertificateIndex.build(List.of(TlsServerFixture.entry("test.com", List.of("test.com"),
                leaf)), null, SniEntryPreference.newestValid(), Instant.now()));
    }

    /** One TLS connection offering h2 and http/1.1 by ALPN, then one HTTP/1.1 request with a header this long. */
    private String[] exchange(ServerConnector connector, int headerLength) throws Exception {
        try (SSLSocket socket = (SSLSocket) TestPki.clientContext(root, null).getSocketFactory()
                .createSocket("127.0.0.1", connector.getLocalPort())) {
            socket.setSoTimeout(10_000);
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setServerNames(List.of(new SNIHostName("test.com")));
            parameters.setApplicationProtocols(new String[]{"h2", "http/1.1"});
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            String alpn = socket.getApplicationProtocol();
            X509Certificate served = (X509Certificate) socket.getSession().getPeerCertificates()[0];
            assertEquals(leaf.certificate(), served);
            if ("h2".equals(alpn)) {
                return new String[]{alpn, null};
            }
            socket.getOutputStream().write(("GET / HTTP/1.1\r\nHost: test.com\r\nX-Long: " + "x".repeat(headerLength)
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            return new String[]{alpn, new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8)};
        }
    }

    @Test
    void serveHttps_withHttp2_negotiatesH2ByAlpn() throws Exception {
        ServerConnector connector = plainConnector(8192);
        serve(connector, true);
        assertEquals("h2", exchange(connector, 10)[0]);
        assertEquals(List.of("sni-client-hello", "ssl", "alpn", "h2", "http/1.1"), connector.getProtocols());
    }

    @Test
    void serveHttps_withoutHttp2_isTlsThenHttp11_keepingTheConnectorsConfiguration() throws Exception {
        ServerConnector connector = plainConnector(1024);
        serve(connector, false);
        String[] small = exchange(connector, 10);
        assertEquals("", small[0], "no ALPN");
        assertTrue(small[1].startsWith("HTTP/1.1 200") && small[1].endsWith("HTTP/1.1"), small[1]);
        String[] large = exchange(connector, 2048);
        assertTrue(large[1].startsWith("HTTP/1.1 431"), "the connector's 1 KiB header limit: " + large[1]);
        assertEquals(List.of("sni-client-hello", "ssl", "http/1.1"), connector.getProtocols());
    }
}
