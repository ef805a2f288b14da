package io.github.vaultsni.gateway.route;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * An upstream ready to serve: its nodes and balancer, and how requests go to it. Built from the stored JSON
 * (already validated by the admin API).
 *
 * @param hashOn       for chash: {@code vars} (with {@code key} {@code uri} or {@code remote_addr}), {@code header}
 *                     or {@code cookie}
 * @param clientCertId a {@code type: client} SSL object for upstream mTLS, or null
 */
public record Upstream(String id, List<UpstreamNode> nodes, Balancer balancer, String scheme, String passHost,
                       String upstreamHost, int retries, Duration connectTimeout, Duration sendTimeout,
                       Duration readTimeout, String hashOn, String hashKey, boolean tlsVerify, String clientCertId) {

    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    /** From an upstream object; {@code id} names it in logs (the upstream id, or the route's for inline ones). */
    public static Upstream of(String id, JsonNode json) {
        List<UpstreamNode> nodes = new ArrayList<>();
        JsonNode n = json.path("nodes");
        boolean https = "https".equals(json.path("scheme").asText("http"));
        if (n.isObject()) {
            n.fields().forEachRemaining(e -> nodes.add(node(e.getKey(), e.getValue().asInt(), https)));
        } else {
            n.forEach(node -> nodes.add(UpstreamNode.of(https ? "https" : "http", node.get("host").asText(),
                    node.path("port").asInt(https ? 443 : 80), node.path("weight").asInt())));
        }
        String type = json.path("type").asText("roundrobin");
        Balancer balancer = type.equals("chash") ? new ConsistentHashBalancer(nodes) : new RoundRobinBalancer(nodes);
        JsonNode timeout = json.path("timeout");
        JsonNode tls = json.path("tls");
        int retries = json.has("retries") ? json.get("retries").asInt() : Math.max(0, nodes.size() - 1);
        return new Upstream(id, List.copyOf(nodes), balancer, https ? "https" : "http",
                json.path("pass_host").asText("pass"), json.path("upstream_host").asText(null), retries,
                seconds(timeout.path("connect")), seconds(timeout.path("send")), seconds(timeout.path("read")),
                json.path("hash_on").asText("vars"), json.path("key").asText("remote_addr").toLowerCase(Locale.ROOT),
                tls.path("verify").asBoolean(false), tls.hasNonNull("client_cert_id") ? tls.get("client_cert_id").asText() : null);
    }

    private static UpstreamNode node(String authority, int weight, boolean https) {
        int colon = authority.lastIndexOf(':');
        boolean hasPort = colon > 0 && authority.indexOf(']') < colon && !authority.substring(colon + 1).isEmpty()
                && authority.substring(colon + 1).chars().allMatch(Character::isDigit);
        String host = hasPort ? authority.substring(0, colon) : authority;
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return UpstreamNode.of(https ? "https" : "http", host,
                hasPort ? Integer.parseInt(authority.substring(colon + 1)) : https ? 443 : 80, weight);
    }

    private static Duration seconds(JsonNode value) {
        return value.isNumber() ? Duration.ofMillis((long) (value.asDouble() * 1000)) : DEFAULT_TIMEOUT;
    }
}
