package io.github.vaultsni.gateway;

import io.github.vaultsni.gateway.admin.AdminServlet;
import io.github.vaultsni.gateway.proxy.GatewayProxyServlet;
import io.github.vaultsni.sni.SniCertificateRegistry;
import io.github.vaultsni.sni.SniCertificates;
import io.github.vaultsni.sni.SniConnectors;
import io.github.vaultsni.sni.VaultSniSslContextFactory;
import io.github.vaultsni.tls.TlsProvider;
import org.eclipse.jetty.ee11.servlet.ServletContextHandler;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;

import java.time.Duration;
import java.util.List;

/**
 * The gateway with embedded Jetty: a {@link GatewayCore}, the admin API on its own listener (127.0.0.1:9180 by
 * default), and the proxy on HTTP (9080, HTTP/1.1 and h2c) and HTTPS (9443, ALPN h2 and http/1.1, certificates
 * by SNI).
 */
public final class Gateway implements AutoCloseable {
    private final GatewayConfig config;
    private final GatewayCore core;
    private final Server server = new Server();
    private final ServerConnector adminConnector;
    private final ServerConnector httpConnector;
    private final ServerConnector httpsConnector;
    private final TlsProvider tlsProvider;
    /** How long a start waits for stored SSL objects before opening the listeners anyway. */
    private static final Duration INITIAL_CERTIFICATES_WAIT = Duration.ofSeconds(30);

    private Gateway(GatewayConfig config) {
        this.config = config;
        SniCertificates certificates = new SniCertificates();
        this.core = new GatewayCore(config, certificates);

        adminConnector = new ServerConnector(server);
        adminConnector.setName("admin");
        adminConnector.setHost(config.adminHost());
        adminConnector.setPort(config.adminPort());
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        httpConnector = new ServerConnector(server, new HttpConnectionFactory(http), new HTTP2CServerConnectionFactory(http));
        httpConnector.setName("http");
        httpConnector.setHost(config.httpHost());
        httpConnector.setPort(config.httpPort());
        VaultSniSslContextFactory tls = new VaultSniSslContextFactory(certificates);
        httpsConnector = SniConnectors.https(server, tls, http, config.httpsHost(), config.httpsPort());
        this.tlsProvider = config.tlsProvider().applyTo(tls, httpsConnector);
        httpsConnector.setName("https");
        server.addConnector(adminConnector);
        server.addConnector(httpConnector);
        server.addConnector(httpsConnector);

        ServletContextHandler admin = new ServletContextHandler("/");
        admin.setVirtualHosts(List.of("@admin"));
        core.adminAttributes(admin::setAttribute);
        admin.addServlet(AdminServlet.class, "/apisix/admin/*");
        ServletContextHandler proxy = new ServletContextHandler("/");
        proxy.setVirtualHosts(List.of("@http", "@https"));
        core.proxyAttributes(proxy::setAttribute);
        proxy.addServlet(GatewayProxyServlet.class, "/*");
        server.setHandler(new ContextHandlerCollection(admin, proxy));
    }

    /** Who serves TLS on the HTTPS listener (for {@link TlsProvider#AUTO}: what it resolved to). */
    public TlsProvider tlsProvider() {
        return tlsProvider;
    }

    /** Starts a gateway; each listener is ready when this returns. */
    public static Gateway start(GatewayConfig config) throws Exception {
        Gateway gateway = new Gateway(config);
        try {
            gateway.core.awaitInitialCertificates(INITIAL_CERTIFICATES_WAIT);
            gateway.server.start();
        } catch (Exception e) {
            gateway.close();
            throw e;
        }
        return gateway;
    }

    public int adminPort() {
        return adminConnector.getLocalPort();
    }

    public int httpPort() {
        return httpConnector.getLocalPort();
    }

    public int httpsPort() {
        return httpsConnector.getLocalPort();
    }

    public String adminKey() {
        return core.adminKey();
    }

    public SniCertificateRegistry registry() {
        return core.registry();
    }

    public GatewayConfig config() {
        return config;
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            // Stopping is best effort; the rest is still released below.
        }
        core.close();
    }
}
