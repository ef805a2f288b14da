package io.github.vaultsni.gateway.proxy;

import io.github.vaultsni.gateway.route.Route;
import io.github.vaultsni.gateway.route.Upstream;
import io.github.vaultsni.gateway.route.UpstreamNode;
import org.eclipse.jetty.client.HttpClient;

import java.util.HashSet;
import java.util.Set;

/**
 * Everything one proxied request carries between the servlet's callbacks: the route it matched, the client for
 * its upstream, the node of the current attempt, the nodes that failed, and how many attempts were made.
 */
final class ProxyExchange {
    final Route route;
    final String hashKey;
    /** The client for this upstream (its TLS settings), chosen once per request. */
    HttpClient client;
    private final Set<UpstreamNode> failed = new HashSet<>();
    private UpstreamNode node;
    private int attempts;

    ProxyExchange(Route route, String hashKey) {
        this.route = route;
        this.hashKey = hashKey;
    }

    Upstream upstream() {
        return route.upstream();
    }

    /** The node for the next attempt (the current one counted as failed, if any), or null when none is left. */
    UpstreamNode nextNode() {
        if (node != null) {
            failed.add(node);
        }
        node = upstream().balancer().pick(hashKey, failed);
        attempts++;
        return node;
    }

    UpstreamNode node() {
        return node;
    }

    /** Whether another node may be tried: APISIX's {@code retries} counts attempts after the first. */
    boolean mayRetry() {
        return attempts <= upstream().retries();
    }
}
