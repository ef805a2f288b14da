package io.github.vaultsni.gateway.proxy;

import io.github.vaultsni.gateway.GatewayConfig;
import io.github.vaultsni.gateway.GatewayCore;
import io.github.vaultsni.gateway.admin.AdminTestClient;
import io.github.vaultsni.gateway.metrics.GatewayMetrics;
import io.github.vaultsni.sni.SniCertificates;
import io.github.vaultsni.sni.SniConnectors;
import io.github.vaultsni.sni.VaultSniSslContextFactory;
import jakarta.servlet.DispatcherType;
import org.eclipse.jetty.ee11.servlet.FilterHolder;
import org.eclipse.jetty.ee11.servlet.ServletContextHandler;
import org.eclipse.jetty.ee11.servlet.ServletHolder;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.component.LifeCycle;

import java.net.URI;
import java.nio.file.Path;
import java.util.EnumSet;

/**
 * The WAR's door, assembled as its listener does inside a Jetty ee11 container (default settings): one context
 * with the admin servlet at {@code /apisix/admin/*}, the metrics behind the admin key at
 * {@value GatewayMetrics#PATH} and {@link GatewayProxyServlet} at {@code /*}, on a plain
 * connector (HTTP/1.1, h2c) and an HTTPS one serving the gateway's SSL objects.
 */
final class ServletDoor implements ProxyDoor {
    private final GatewayCore core;
    private final Server server = new Server();
    private final ServerConnector http;
    private final ServerConnector https;
    private final AdminTestClient admin;
    private final String adminKey;

    ServletDoor(Path dataDir, String adminKey) throws Exception {
        SniCertificates certificates = new SniCertificates();
        core = new GatewayCore(GatewayConfig.builder().dataDir(dataDir).adminKey(adminKey).build(), certificates);
        core.start();
        HttpConfiguration config = new HttpConfiguration();
        http = new ServerConnector(server, new HttpConnectionFactory(config), new HTTP2CServerConnectionFactory(config));
        http.setHost("127.0.0.1");
        server.addConnector(http);
        https = SniConnectors.https(server, new VaultSniSslContextFactory(certificates), config, "127.0.0.1", 0);
        server.addConnector(https);
        ServletContextHandler context = new ServletContextHandler("/");
        context.addServlet(new ServletHolder("admin", core.newAdminServlet()), "/apisix/admin/*");
        context.addServlet(new ServletHolder("metrics", core.metrics().newServlet()), GatewayMetrics.PATH);
        context.addFilter(new FilterHolder(core.newAdminKeyFilter()), GatewayMetrics.PATH, EnumSet.of(DispatcherType.REQUEST));
        ServletHolder proxy = new ServletHolder("proxy", new GatewayProxyServlet(core.proxyConfiguration()));
        proxy.setAsyncSupported(true);
        proxy.setInitOrder(0);
        context.addServlet(proxy, "/*");
        server.setHandler(context);
        server.start();
        admin = new AdminTestClient(http.getLocalPort(), adminKey);
        this.adminKey = adminKey;
    }

    /** The metrics path on the context, with the admin key as a scraper passes it: {@code api_key}. */
    @Override
    public URI metricsUri() {
        return ProxyDoor.metricsUri(http.getLocalPort(), "api_key=" + adminKey);
    }

    @Override
    public int httpPort() {
        return http.getLocalPort();
    }

    @Override
    public int httpsPort() {
        return https.getLocalPort();
    }

    @Override
    public AdminTestClient admin() {
        return admin;
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        } finally {
            LifeCycle.stop(core);
        }
    }
}
