package io.github.vaultsni.gateway.metrics;

import io.github.vaultsni.gateway.proxy.ExchangeMeter;
import io.github.vaultsni.gateway.proxy.ProxyExchange;
import io.github.vaultsni.gateway.route.Route;
import io.github.vaultsni.gateway.route.UpstreamNode;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.Collector;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * APISIX's traffic meters, with its names, labels and buckets (its {@code prometheus} plugin), counted at the end
 * of every request either door served:
 * <ul>
 *   <li>{@code apisix_http_status{code, route, matched_uri, matched_host, service, consumer, node}};</li>
 *   <li>{@code apisix_http_latency{type, route, service, consumer, node}}, milliseconds, {@code type} {@code request}
 *       (the whole request), {@code upstream} (first send to the last attempt's end) and {@code apisix} (the
 *       difference), buckets {@value #BUCKETS_TEXT};</li>
 *   <li>{@code apisix_bandwidth{type, route, service, consumer, node}}, bytes, {@code ingress} and {@code egress};</li>
 *   <li>{@code apisix_http_requests_total}.</li>
 * </ul>
 * {@code route} is the route's id, {@code matched_uri}/{@code matched_host} the route's URI and host patterns that
 * matched, {@code node} the upstream node's host; a request no route matched counts with them all {@code ""}.
 * {@code service} is the route's {@code service_id} ({@code ""} for none); {@code consumer} is always {@code ""}:
 * this gateway has no consumers.
 *
 * <p>The data points of each route are bound once and kept by route id ({@link RouteMeters}): a request's metering
 * is two map reads, a short scan for its status code, and adder increments. No lock, no allocation.
 */
public final class ApisixMetrics implements ExchangeMeter {
    /** APISIX's default {@code apisix_http_latency} buckets, in milliseconds. */
    static final double[] BUCKETS = {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 30000, 60000};
    static final String BUCKETS_TEXT = "1 2 5 10 20 50 100 200 500 1000 2000 5000 10000 30000 60000";
    private static final double NANOS_PER_MILLI = 1e6;

    private final Counter status = Counter.builder().name("apisix_http_status")
            .help("HTTP status codes per service in APISIX")
            .labelNames("code", "route", "matched_uri", "matched_host", "service", "consumer", "node")
            .withoutExemplars().build();
    private final Histogram latency = Histogram.builder().name("apisix_http_latency")
            .help("HTTP request latency in milliseconds per service in APISIX")
            .labelNames("type", "route", "service", "consumer", "node")
            .classicOnly().classicUpperBounds(BUCKETS).withoutExemplars().build();
    private final Counter bandwidth = Counter.builder().name("apisix_bandwidth")
            .help("Total bandwidth in bytes consumed per service in APISIX")
            .labelNames("type", "route", "service", "consumer", "node").withoutExemplars().build();
    private final Counter requests = Counter.builder().name("apisix_http_requests")
            .help("The total number of client requests since APISIX started").withoutExemplars().build();
    private final LongAdder started = new LongAdder();
    private final LongAdder ended = new LongAdder();
    private final Map<String, RouteMeters> routes = new ConcurrentHashMap<>();
    private final RouteMeters unmatched = new RouteMeters(null, this);

    /** What a scrape collects: these meters, APISIX's counters under their own names. */
    List<Collector> collectors() {
        return List.of(new UntypedCounter(status), latency, new UntypedCounter(bandwidth), requests);
    }

    /** Requests that reached a door and have not ended yet (nginx's {@code writing}). */
    long inFlight() {
        return Math.max(0, started.sum() - ended.sum());
    }

    @Override
    public void started() {
        started.increment();
    }

    @Override
    public void completed(ProxyExchange exchange, int code, long requestBytes, long responseBytes, long endNanos) {
        ended.increment();
        requests.inc();
        Route route = exchange.route();
        RouteMeters meters = route == null ? unmatched : forRoute(route);
        UpstreamNode node = exchange.node();
        RouteMeters.NodeMeters n = meters.node(node == null ? "" : node.host());
        n.status(code, meters.uriIndex(exchange), meters.hostIndex(exchange)).inc();
        double requestMs = (endNanos - exchange.request().beginNanos()) / NANOS_PER_MILLI;
        n.requestLatency.observe(requestMs);
        long upstreamNanos = exchange.upstreamNanos();
        if (upstreamNanos >= 0) {
            double upstreamMs = upstreamNanos / NANOS_PER_MILLI;
            n.upstreamLatency.observe(upstreamMs);
            n.apisixLatency.observe(Math.max(0, requestMs - upstreamMs));
        } else {
            n.apisixLatency.observe(requestMs);
        }
        n.ingress.inc(requestBytes);
        n.egress.inc(responseBytes);
    }

    /** The meters bound for this route, made again when the route changed (its id now names a new one). */
    private RouteMeters forRoute(Route route) {
        RouteMeters meters = routes.get(route.id());
        if (meters != null && meters.route == route) {
            return meters;
        }
        RouteMeters made = new RouteMeters(route, this);
        routes.put(route.id(), made);
        return made;
    }

    Counter statusCounter() {
        return status;
    }

    Histogram latencyHistogram() {
        return latency;
    }

    Counter bandwidthCounter() {
        return bandwidth;
    }
}
