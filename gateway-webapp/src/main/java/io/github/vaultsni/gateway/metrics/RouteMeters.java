package io.github.vaultsni.gateway.metrics;

import io.github.vaultsni.gateway.proxy.ProxyExchange;
import io.github.vaultsni.gateway.route.Route;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One route's data points, bound once: per upstream node host, the latency, bandwidth and status data points
 * (status per code and matched URI/host, added as they are first seen). Reading them allocates nothing.
 */
final class RouteMeters {
    private static final String NONE = "";

    /** The route these are bound for (null: requests no route matched). */
    final Route route;
    private final String id;
    /** The route's service id, APISIX's {@code service} label ({@code ""} for none). */
    private final String service;
    private final ApisixMetrics metrics;
    private final Map<String, NodeMeters> nodes = new ConcurrentHashMap<>();

    RouteMeters(Route route, ApisixMetrics metrics) {
        this.route = route;
        this.id = route == null ? NONE : route.id();
        this.service = route == null ? NONE : route.serviceId();
        this.metrics = metrics;
    }

    NodeMeters node(String host) {
        NodeMeters meters = nodes.get(host);
        return meters != null ? meters : nodes.computeIfAbsent(host, NodeMeters::new);
    }

    /** Which of the route's URIs matched the exchange's path (the first, when several could). */
    int uriIndex(ProxyExchange exchange) {
        return route == null || route.uris().size() <= 1 ? 0 : Math.max(0, route.uriIndex(exchange.path().decoded()));
    }

    /** Which of the route's hosts matched the exchange's host. */
    int hostIndex(ProxyExchange exchange) {
        return route == null || route.hosts().size() <= 1 ? 0 : Math.max(0, route.hostIndex(exchange.request().host()));
    }

    private String uri(int index) {
        return route == null || route.uris().isEmpty() ? NONE : route.uris().get(index);
    }

    private String host(int index) {
        return route == null || route.hosts().isEmpty() ? NONE : route.hosts().get(index);
    }

    /** The data points of one (route, node host). */
    final class NodeMeters {
        private final String node;
        final DistributionDataPoint requestLatency;
        final DistributionDataPoint upstreamLatency;
        final DistributionDataPoint apisixLatency;
        final CounterDataPoint ingress;
        final CounterDataPoint egress;
        /** Status data points by {@link #key}, copied on write: a scan of the few codes a node answers. */
        private volatile int[] keys = new int[0];
        private volatile CounterDataPoint[] points = new CounterDataPoint[0];

        NodeMeters(String node) {
            this.node = node;
            requestLatency = metrics.latencyHistogram().labelValues("request", id, service, NONE, node);
            upstreamLatency = metrics.latencyHistogram().labelValues("upstream", id, service, NONE, node);
            apisixLatency = metrics.latencyHistogram().labelValues("apisix", id, service, NONE, node);
            ingress = metrics.bandwidthCounter().labelValues("ingress", id, service, NONE, node);
            egress = metrics.bandwidthCounter().labelValues("egress", id, service, NONE, node);
        }

        CounterDataPoint status(int code, int uriIndex, int hostIndex) {
            int key = key(code, uriIndex, hostIndex);
            int[] k = keys;
            for (int i = 0; i < k.length; i++) {
                if (k[i] == key) {
                    return points[i];
                }
            }
            return add(key, code, uriIndex, hostIndex);
        }

        private synchronized CounterDataPoint add(int key, int code, int uriIndex, int hostIndex) {
            int[] k = keys;
            for (int i = 0; i < k.length; i++) {
                if (k[i] == key) {
                    return points[i];
                }
            }
            CounterDataPoint point = metrics.statusCounter().labelValues(Integer.toString(code), id, uri(uriIndex),
                    host(hostIndex), service, NONE, node);
            CounterDataPoint[] morePoints = Arrays.copyOf(points, k.length + 1);
            morePoints[k.length] = point;
            int[] moreKeys = Arrays.copyOf(k, k.length + 1);
            moreKeys[k.length] = key;
            // Points first: a reader that sees the new key finds its point.
            points = morePoints;
            keys = moreKeys;
            return point;
        }

        /** A status code (below 1000) with the indexes of the URI and host that matched. */
        private static int key(int code, int uriIndex, int hostIndex) {
            return code + 1000 * (uriIndex + 1024 * hostIndex);
        }
    }
}
