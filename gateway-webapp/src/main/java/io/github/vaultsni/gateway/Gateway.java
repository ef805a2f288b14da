package io.github.vaultsni.gateway;

import io.github.vaultsni.gateway.listener.JsonErrorHandler;
import io.github.vaultsni.gateway.listener.JsonServletErrorHandler;
import io.github.vaultsni.gateway.listener.ProxyThreadPool;
import io.github.vaultsni.gateway.listener.ServerHeader;
import io.github.vaultsni.gateway.proxy.GatewayProxyHandler;
import io.github.vaultsni.sni.SniCertificateRegistry;
import io.github.vaultsni.sni.SniCertificates;
import io.github.vaultsni.tls.TlsProvider;
import org.eclipse.jetty.ee11.servlet.ServletContextHandler;
import org.eclipse.jetty.ee11.servlet.ServletHolder;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import java.time.Duration;

/**
 * The gateway with embedded Jetty: a {@link GatewayCore}, the admin API on its own listener (127.0.0.1:9180 by
 * default), and the proxy on HTTP (9080, HTTP/1.1 and h2c) and HTTPS (9443, ALPN h2 and http/1.1, certificates
 * by SNI).
 *
 * <p>Two Jetty servers in one process: the proxy's, a jetty-core {@link GatewayProxyHandler} whose requests never
 * block and so are handled on the thread that read them by a small pool, and the admin API's, a servlet whose
 * requests wait for the configuration store.
 */
public final class Gateway implements AutoCloseable {
    /** How long a start waits for stored SSL objects before opening the listeners anyway. */
    private static final Duration INITIAL_CERTIFICATES_WAIT = Duration.ofSeconds(30);
    /** Enough for non-blocking work on every core, plus the connectors' acceptor and selector threads. */
    private static final int PROXY_THREADS = Math.max(16, 8 * Runtime.getRuntime().availableProcessors());
    private static final int ADMIN_THREADS = 16;

    private final GatewayConfig config;
    private final GatewayCore core;
    private final Server proxyServer = new Server(new ProxyThreadPool("gateway-proxy", PROXY_THREADS, 2));
    private final Server adminServer = new Server(threadPool("gateway-admin", ADMIN_THREADS));
    private final ServerConnector adminConnector;
    private final ServerConnector httpConnector;
    private final ServerConnector httpsConnector;
    private final TlsProvider tlsProvider;

    private Gateway(GatewayConfig config) {
        this.config = config;
        SniCertificates certificates = new SniCertificates();
        this.core = new GatewayCore(config, certificates);

        adminConnector = new ServerConnector(adminServer, new HttpConnectionFactory(ServerHeader.configuration()));
        adminConnector.setName("admin");
        adminConnector.setHost(config.adminHost());
        adminConnector.setPort(config.adminPort());
        adminServer.addConnector(adminConnector);
        ServletContextHandler admin = new ServletContextHandler("/");
        admin.addServlet(new ServletHolder("admin", core.newAdminServlet()), "/apisix/admin/*");
        admin.setErrorHandler(new JsonServletErrorHandler());
        adminServer.setHandler(admin);
        adminServer.setErrorHandler(new JsonErrorHandler());

        ProxyListeners listeners = new ProxyListeners(proxyServer, config, certificates);
        this.httpConnector = listeners.http;
        this.httpsConnector = listeners.https;
        this.tlsProvider = listeners.tlsProvider;
        proxyServer.setHandler(new GatewayProxyHandler(core.proxyConfiguration()));
    }

    private static QueuedThreadPool threadPool(String name, int maxThreads) {
        QueuedThreadPool pool = new QueuedThreadPool(maxThreads, 2);
        pool.setName(name);
        return pool;
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
            gateway.adminServer.start();
            gateway.proxyServer.start();
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
        stop(proxyServer);
        stop(adminServer);
        core.close();
    }

    private static void stop(Server server) {
        try {
            server.stop();
        } catch (Exception e) {
            // Stopping is best effort; the rest is still released.
        }
    }
}
