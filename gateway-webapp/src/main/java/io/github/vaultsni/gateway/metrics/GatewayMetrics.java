package io.github.vaultsni.gateway.metrics;

import io.github.vaultsni.gateway.proxy.ExchangeMeter;
import io.github.vaultsni.gateway.proxy.Forwarder;
import io.github.vaultsni.gateway.store.ConfigStore;
import io.github.vaultsni.metrics.VaultSniMetrics;
import io.github.vaultsni.registry.SslObjectRegistry;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.exporter.servlet.jakarta.PrometheusMetricsServlet;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import jakarta.servlet.http.HttpServlet;
import org.eclipse.jetty.server.ServerConnector;

import java.util.List;

/**
 * The gateway's Prometheus registry and everything in it: APISIX's traffic meters ({@link ApisixMetrics}), its
 * {@code apisix_node_info{hostname}}, {@code apisix_etcd_reachable} and, for {@code gateway.jar}'s listeners,
 * {@code apisix_nginx_http_current_connections{state}} ({@link ConnectionCounter}); and the library's certificate,
 * handshake and Vault meters ({@link VaultSniMetrics}) for the gateway's certificate registry. Served at
 * {@value #PATH}, as APISIX's export server serves them, in the text format 0.0.4 or OpenMetrics as the scraper's
 * {@code Accept} asks.
 */
public final class GatewayMetrics extends AbstractLifeCycle {
    /** APISIX's metrics path. */
    public static final String PATH = "/apisix/prometheus/metrics";

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final ApisixMetrics traffic = new ApisixMetrics();
    private final SslObjectRegistry certificateRegistry;
    private VaultSniMetrics certificates;

    /**
     * @param certificates the registry the gateway's SSL objects are served from (its handshakes are counted)
     * @param store        the configuration store, whose reachability is {@code apisix_etcd_reachable}
     */
    public GatewayMetrics(SslObjectRegistry certificates, ConfigStore store) {
        this.certificateRegistry = certificates;
        traffic.collectors().forEach(registry::register);
        String hostname = Forwarder.localHostName();
        registry.register(GaugeWithCallback.builder().name("apisix_node_info").help("Info of APISIX node")
                .labelNames("hostname").callback(callback -> callback.call(1, hostname)).build());
        registry.register(GaugeWithCallback.builder().name("apisix_etcd_reachable")
                .help("Config server etcd reachable from APISIX, 0 is unreachable (the embedded store: always 1)")
                .callback(callback -> callback.call(store.reachable() ? 1 : 0)).build());
    }

    /** Starts counting the registry's handshakes, Vault reads and issuances. */
    @Override
    protected void doStart() {
        certificates = VaultSniMetrics.register(registry, certificateRegistry);
    }

    /** What the proxy doors tell of each request's end. */
    public ExchangeMeter exchanges() {
        return traffic;
    }

    /** Counts the connections of these listeners ({@code apisix_nginx_http_current_connections}); before they start. */
    public void countConnections(List<ServerConnector> listeners) {
        ConnectionCounter connections = ConnectionCounter.install(listeners);
        registry.register(GaugeWithCallback.builder().name("apisix_nginx_http_current_connections")
                .help("Number of HTTP connections").labelNames("state").callback(callback -> {
                    long active = connections.active();
                    long writing = traffic.inFlight();
                    callback.call(active, "active");
                    callback.call(0, "reading");
                    callback.call(writing, "writing");
                    callback.call(Math.max(0, active - writing), "waiting");
                    callback.call(connections.accepted(), "accepted");
                    callback.call(connections.accepted(), "handled");
                }).build());
    }

    /** A servlet answering scrapes (GET) from this registry; whoever maps it decides who may call it. */
    public HttpServlet newServlet() {
        return new PrometheusMetricsServlet(registry);
    }

    public PrometheusRegistry registry() {
        return registry;
    }

    @Override
    protected void doStop() {
        if (certificates != null) {
            certificates.close();
            certificates = null;
        }
    }
}
