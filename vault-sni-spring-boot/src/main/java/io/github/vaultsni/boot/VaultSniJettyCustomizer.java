package io.github.vaultsni.boot;

import io.github.vaultsni.sni.SniCertificates;
import io.github.vaultsni.sni.SniConnectors;
import io.github.vaultsni.sni.VaultSniSslContextFactory;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.jetty.JettyWebServerFactory;
import org.springframework.boot.web.server.Http2;
import org.springframework.boot.web.server.Ssl;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Makes the connector Spring Boot builds for {@code server.port} the HTTPS connector serving
 * {@link SniCertificates}: TLS with a {@link VaultSniSslContextFactory}, then ALPN choosing h2 or http/1.1 when
 * {@code server.http2.enabled}, else HTTP/1.1 alone (see {@link SniConnectors#serveHttps}). The connector keeps
 * what Boot configured on it ({@code server.address}, {@code server.jetty.*}, header sizes, forwarded headers).
 * Servlet (Spring MVC) and reactive (WebFlux) Jetty servers alike.
 *
 * <p>{@code server.ssl.*} is refused: it would serve a keystore's certificate on the same port. The management
 * server on its own port ({@code management.server.port}) is left alone.
 */
public final class VaultSniJettyCustomizer implements WebServerFactoryCustomizer<JettyWebServerFactory> {
    private static final Logger LOG = LoggerFactory.getLogger(VaultSniJettyCustomizer.class);
    private final SniCertificates certificates;

    public VaultSniJettyCustomizer(SniCertificates certificates) {
        this.certificates = Objects.requireNonNull(certificates, "certificates");
    }

    @Override
    public void customize(JettyWebServerFactory factory) {
        // Read when the server is built, once every other customizer has set the port, SSL and HTTP/2.
        factory.addServerCustomizers(server -> serveHttps(server, factory));
    }

    private void serveHttps(Server server, JettyWebServerFactory factory) {
        if (Ssl.isEnabled(factory.getSsl())) {
            throw new IllegalStateException("server.ssl is set, but vault-sni serves the certificates of server.port "
                    + factory.getPort() + ": remove server.ssl.*, or set vault-sni.enabled=false");
        }
        Http2 http2 = factory.getHttp2();
        boolean h2 = http2 != null && http2.isEnabled();
        int port = Math.max(factory.getPort(), 0); // as Boot builds it: -1 (no HTTP endpoints) is a port-0 connector
        List<ServerConnector> connectors = Arrays.stream(server.getConnectors())
                .filter(ServerConnector.class::isInstance).map(ServerConnector.class::cast)
                .filter(connector -> connector.getPort() == port)
                .toList();
        if (connectors.isEmpty()) {
            throw new IllegalStateException("vault-sni: no connector on server.port " + port + " among "
                    + Arrays.stream(server.getConnectors()).map(Connector::toString).toList());
        }
        for (ServerConnector connector : connectors) {
            SniConnectors.serveHttps(connector, new VaultSniSslContextFactory(certificates), h2);
            LOG.info("vault-sni: port {} serves HTTPS ({}), certificates chosen by SNI", port,
                    String.join(", ", connector.getProtocols()));
        }
    }
}
