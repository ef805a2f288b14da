package io.github.vaultsni.sni;

import io.github.vaultsni.pem.CertifiedKey;
import io.github.vaultsni.pem.Pem;
import io.github.vaultsni.testsupport.TestPki;
import io.github.vaultsni.tls.TlsProvider;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import java.util.Set;

/**
 * A Jetty server with one HTTPS connector (h2 + http/1.1 by ALPN) on 127.0.0.1 using the SNI factory, and a
 * handler that answers {@code <protocol> <SNI> <client certificate subject or "-">}; plus JDK TLS clients.
 */
public final class TlsServerFixture implements AutoCloseable {
    final SniCertificates certificates = new SniCertificates();
    final VaultSniSslContextFactory factory = new VaultSniSslContextFactory(certificates);
    final Server server = new Server();
    final ServerConnector connector;

    public TlsServerFixture() throws Exception {
        this(TlsProvider.JDK);
    }

    /** @param settings applied to the factory before the server starts */
    TlsServerFixture(Consumer<VaultSniSslContextFactory> settings) throws Exception {
        this(TlsProvider.JDK, settings);
    }

    TlsServerFixture(TlsProvider provider) throws Exception {
        this(provider, factory -> { });
    }

    private TlsServerFixture(TlsProvider provider, Consumer<VaultSniSslContextFactory> settings) throws Exception {
        settings.accept(factory);
        connector = SniConnectors.https(server, factory, new HttpConfiguration(), "127.0.0.1", 0);
        provider.applyTo(factory, connector);
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                var data = request.getConnectionMetaData();
                String client = "-";
                var ssl = (org.eclipse.jetty.io.EndPoint.SslSessionData) request.getAttribute(
                        org.eclipse.jetty.io.EndPoint.SslSessionData.ATTRIBUTE);
                if (ssl != null && ssl.peerCertificates() != null && ssl.peerCertificates().length > 0) {
                    client = ssl.peerCertificates()[0].getSubjectX500Principal().getName();
                }
                Content.Sink.write(response, true, data.getProtocol() + " " + Request.getServerName(request) + " "
                        + client, callback);
                return true;
            }
        });
        server.start();
    }

    public int port() {
        return connector.getLocalPort();
    }

    /** What the connector serves: where a registry publishes. */
    public SniCertificates certificates() {
        return certificates;
    }

    /** Publishes these entries (default entry: none). */
    void publish(SniEntry... entries) {
        publish(null, entries);
    }

    void publish(String defaultId, SniEntry... entries) {
        certificates.publish(SniCertificateIndex.build(List.of(entries), defaultId, SniEntryPreference.newestValid(),
                Instant.now()));
    }

    static CertifiedKey certifiedKey(TestPki.Issued leaf) {
        return Pem.decodeCertifiedKey("cert", leaf.certificatePem(), "key", leaf.privateKeyPem(), null);
    }

    static SniEntry entry(String id, List<String> snis, TestPki.Issued... leaves) {
        return SniEntry.of(id, snis.stream().map(SniNames::normalize).toList(),
                java.util.Arrays.stream(leaves).map(TlsServerFixture::certifiedKey).toList());
    }

    static SniEntry entry(String id, List<String> snis, Set<String> protocols, List<X509Certificate> clientCa,
                          TestPki.Issued... leaves) {
        return SniEntry.builder(id).snis(snis.stream().map(SniNames::normalize).toList())
                .keys(java.util.Arrays.stream(leaves).map(TlsServerFixture::certifiedKey).toList()).protocols(protocols)
                .clientCertificates(clientCa, 1).build();
    }

    /** A JDK client context trusting {@code root} and, if given, presenting {@code clientCertificate}. */
    public static SSLContext clientContext(TestPki.Issued root, TestPki.Issued clientCertificate) {
        return TestPki.clientContext(root, clientCertificate);
    }

    /**
     * A JDK TLS handshake to the server with this SNI (null: none), then one HTTP/1.1 request; the server's leaf
     * certificate and the response body. Throws what the handshake throws.
     */
    public Result handshake(SSLContext context, String sni, String[] protocols, String[] cipherSuites) throws IOException {
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port())) {
            socket.setSoTimeout(10_000);
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setServerNames(sni == null ? List.of() : List.of(new SNIHostName(sni)));
            parameters.setApplicationProtocols(new String[]{"http/1.1"});
            if (protocols != null) {
                parameters.setProtocols(protocols);
            }
            if (cipherSuites != null) {
                parameters.setCipherSuites(cipherSuites);
            }
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            List<X509Certificate> chain = java.util.Arrays.stream(socket.getSession().getPeerCertificates())
                    .map(X509Certificate.class::cast).toList();
            X509Certificate leaf = chain.get(0);
            OutputStream out = socket.getOutputStream();
            out.write(("GET / HTTP/1.1\r\nHost: " + (sni == null ? "localhost" : sni) + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            // Each call is a full handshake: the JDK caches sessions by address, not by SNI.
            socket.getSession().invalidate();
            if (response.isEmpty()) {
                throw new java.io.EOFException("connection closed without an answer");
            }
            return new Result(leaf, socket.getSession().getProtocol(), response.substring(response.indexOf("\r\n\r\n") + 4),
                    response.substring(0, response.indexOf("\r\n")), chain);
        }
    }

    public record Result(X509Certificate leaf, String protocol, String body, String statusLine, List<X509Certificate> chain) {
        public String subject() {
            return leaf.getSubjectX500Principal().getName();
        }
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}
