package io.github.vaultsni.gateway;

import io.github.vaultsni.gateway.accesslog.ApisixAccessLog;
import io.github.vaultsni.gateway.listener.JsonErrorHandler;
import io.github.vaultsni.gateway.listener.JsonServletErrorHandler;
import io.github.vaultsni.gateway.listener.ProxyThreadPool;
import io.github.vaultsni.gateway.listener.ServerHeader;
import io.github.vaultsni.gateway.metrics.GatewayMetrics;
import io.github.vaultsni.gateway.proxy.GatewayProxyHandler;
import io.github.vaultsni.gateway.ui.CertificatesPage;
import io.github.vaultsni.registry.SslObjectRegistry;
import io.github.vaultsni.runtime.FailedStart;
import io.github.vaultsni.sni.SniCertificates;
import io.github.vaultsni.tls.TlsProvider;
import jakarta.servlet.DispatcherType;
import org.eclipse.jetty.ee11.servlet.FilterHolder;
import org.eclipse.jetty.ee11.servlet.ServletContextHandler;
import org.eclipse.jetty.ee11.servlet.ServletHolder;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;

/**
 * The gateway with embedded Jetty: a {@link GatewayCore}, the admin API and the certificates page
 * ({@value CertificatesPage#PATH}) on their own listener (127.0.0.1:9180 by default), the Prometheus endpoint on
 * another (127.0.0.1:9091, {@value GatewayMetrics#PATH}, as APISIX's), and the proxy on HTTP (9080, HTTP/1.1 and
 * h2c) and HTTPS (9443, ALPN h2 and http/1.1, certificates by SNI), with APISIX's access log.
 *
 * <p>Two Jetty servers in one process: the proxy's, a jetty-core {@link GatewayProxyHandler} whose requests never
 * block and so are handled on the thread that read them by a small pool, and the admin API's (with the metrics
 * listener beside it), servlets whose requests wait for the configuration store or a scrape.
 */
public final class Gateway extends ContainerLifeCycle implements AutoCloseable {
    /** How long a start waits for stored SSL objects before opening the listeners anyway. */
    private static final Duration INITIAL_CERTIFICATES_WAIT = Duration.ofSeconds(30);
    /** Enough for non-blocking work on every core, plus the connectors' acceptor and selector threads. */
    private static final int PROXY_THREADS = Math.max(16, 8 * Runtime.getRuntime().availableProcessors());
    private static final int ADMIN_THREADS = 16;
    private static final String ADMIN = "admin";
    private static final String METRICS = "metrics";

    private final GatewayConfig config;
    private final GatewayCore core;
    private Server proxyServer;
    private Server adminServer;
    private ApisixAccessLog accessLog;
    private ServerConnector adminConnector;
    private ServerConnector metricsConnector;
    private ServerConnector httpConnector;
    private ServerConnector httpsConnector;
    private TlsProvider tlsProvider;

    /** A gateway for {@code config}, not started: {@link #start(GatewayConfig)} starts one. */
    public Gateway(GatewayConfig config) {
        this.config = config;
        this.core = new GatewayCore(config, new SniCertificates());
        addBean(core, true);
    }

    /**
     * Starts the core (store, runtime, appliers), waits a while for the stored SSL objects, then opens the admin and
     * proxy listeners; a failure stops what was started, so another start in the same JVM finds the data directory
     * free and the ports closed.
     */
    @Override
    protected void doStart() throws Exception {
        super.doStart();
        try {
            adminServer = new Server(threadPool("gateway-admin", ADMIN_THREADS));
            adminConnector = listener(ADMIN, config.adminHost(), config.adminPort());
            metricsConnector = config.metrics() ? listener(METRICS, config.metricsHost(), config.metricsPort()) : null;
            ContextHandlerCollection contexts = new ContextHandlerCollection(adminContext());
            if (metricsConnector != null) {
                contexts.addHandler(metricsContext());
            }
            adminServer.setHandler(contexts);
            adminServer.setErrorHandler(new JsonErrorHandler());

            proxyServer = new Server(new ProxyThreadPool("gateway-proxy", PROXY_THREADS, 2));
            ProxyListeners listeners = new ProxyListeners(proxyServer, config, core.certificates());
            httpConnector = listeners.http;
            httpsConnector = listeners.https;
            tlsProvider = listeners.tlsProvider;
            core.metrics().countConnections(List.of(httpConnector, httpsConnector));
            if (!config.accessLog().isOff()) {
                // One log, one writer, for both servers: the admin and metrics listeners are logged as APISIX's are
                // (in its access.log, their upstream fields "-"). A bean of this gateway, not of either server.
                accessLog = ApisixAccessLog.to(config.accessLog(), Clock.systemUTC());
                addBean(accessLog, true);
                adminServer.setRequestLog(accessLog);
                proxyServer.setRequestLog(accessLog);
            }
            proxyServer.setHandler(new GatewayProxyHandler(core.proxyConfiguration()));

            core.awaitInitialCertificates(INITIAL_CERTIFICATES_WAIT);
            addBean(adminServer, true); // started as it is added: the core is running
            addBean(proxyServer, true);
        } catch (Exception | Error e) {
            FailedStart.stopStarted(this, e); // a failed start stops what it started: listeners, then the core
            throw e;
        }
    }

    @Override
    protected void doStop() throws Exception {
        super.doStop();
        for (Server server : new Server[]{proxyServer, adminServer}) {
            if (server != null) {
                if (server.isRunning()) {
                    server.stop();
                }
                removeBean(server);
            }
        }
        proxyServer = null;
        adminServer = null;
        if (accessLog != null) {
            removeBean(accessLog);
            accessLog = null;
        }
    }

    /** A listener of the admin server, named so that only its own context answers on it. */
    private ServerConnector listener(String name, String host, int port) {
        ServerConnector connector = new ServerConnector(adminServer, new HttpConnectionFactory(ServerHeader.configuration()));
        connector.setName(name);
        connector.setHost(host);
        connector.setPort(port);
        adminServer.addConnector(connector);
        return connector;
    }

    /** The admin API, and the certificates page with its data behind the admin key. */
    private ServletContextHandler adminContext() {
        ServletContextHandler admin = new ServletContextHandler("/");
        admin.setVirtualHosts(List.of("@" + ADMIN));
        admin.addServlet(new ServletHolder("admin", core.newAdminServlet()), "/apisix/admin/*");
        CertificatesPage page = core.certificatesPage();
        admin.addServlet(new ServletHolder("ui", page.pageServlet()), CertificatesPage.PATH + "*");
        admin.addServlet(new ServletHolder("ui-data", page.dataServlet()), CertificatesPage.DATA_PATH);
        admin.addFilter(new FilterHolder(core.newAdminKeyFilter()), CertificatesPage.DATA_PATH,
                EnumSet.of(DispatcherType.REQUEST));
        admin.setErrorHandler(new JsonServletErrorHandler());
        return admin;
    }

    /** APISIX's export server: the metrics path, without a key (loopback by default, as APISIX's). */
    private ServletContextHandler metricsContext() {
        ServletContextHandler metrics = new ServletContextHandler("/");
        metrics.setVirtualHosts(List.of("@" + METRICS));
        metrics.addServlet(new ServletHolder("metrics", core.metrics().newServlet()), GatewayMetrics.PATH);
        metrics.setErrorHandler(new JsonServletErrorHandler());
        return metrics;
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

    /** Starts a gateway; each listener is ready when this returns. A failed start leaves nothing running. */
    public static Gateway start(GatewayConfig config) throws Exception {
        Gateway gateway = new Gateway(config);
        gateway.start();
        return gateway;
    }

    public int adminPort() {
        return adminConnector.getLocalPort();
    }

    /** The metrics listener's port; -1 when it is off. */
    public int metricsPort() {
        return metricsConnector == null ? -1 : metricsConnector.getLocalPort();
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

    public SslObjectRegistry registry() {
        return core.registry();
    }

    public GatewayConfig config() {
        return config;
    }

    /** Stops the gateway ({@link #stop()}), for try-with-resources. */
    @Override
    public void close() {
        LifeCycle.stop(this);
    }
}
