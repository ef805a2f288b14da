package io.github.vaultsni.gateway.route;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * An upstream ready to serve: its nodes and balancer, and how requests go to it. Built from the stored JSON
 * (already validated by the admin API) by {@link #of}, the one place an upstream object is read.
 *
 * @param id      names it in logs: the upstream id, or the route's for an inline upstream
 * @param retries how many other nodes a failed request is tried on
 */
public record Upstream(String id, List<UpstreamNode> nodes, Balancer balancer, PassHost passHost, int retries,
                       Timeouts timeouts, HashOn hashOn, Tls tls) {

    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    public Upstream {
        nodes = List.copyOf(nodes);
    }

    /** APISIX's {@code pass_host}: which Host the upstream sees. */
    public record PassHost(Mode mode, String rewriteTo) {
        /** {@code pass}: the client's; {@code node}: the node's address; {@code rewrite}: {@code upstream_host}. */
        public enum Mode { PASS, NODE, REWRITE }

        /** The Host for a request from a client that sent {@code clientAuthority}, sent to {@code node}. */
        public String hostFor(String clientAuthority, UpstreamNode node) {
            return switch (mode) {
                case NODE -> node.authority();
                case REWRITE -> rewriteTo;
                case PASS -> clientAuthority;
            };
        }
    }

    /** APISIX's {@code timeout}: connect, send and read, each 60 s unless set. */
    public record Timeouts(Duration connect, Duration send, Duration read) {
        /** The longest a whole exchange may take: the three together. */
        public Duration total() {
            return connect.plus(send).plus(read);
        }
    }

    /**
     * For {@code chash}, what is hashed: {@code on} {@code vars} (with {@code key} {@code uri},
     * {@code request_uri} or {@code remote_addr}), {@code header} or {@code cookie} (with {@code key} its name).
     */
    public record HashOn(String on, String key) {
    }

    /**
     * APISIX's {@code tls} of an upstream.
     *
     * @param verify       whether the upstream's certificate is verified
     * @param clientCertId a {@code type: client} SSL object presented for upstream mTLS, or null
     */
    public record Tls(boolean verify, String clientCertId) {
    }

    /** From an upstream object; {@code id} names it in logs (the upstream id, or the route's for inline ones). */
    public static Upstream of(String id, JsonNode json) {
        boolean https = "https".equals(json.path("scheme").asText("http"));
        List<UpstreamNode> nodes = nodes(json.path("nodes"), https);
        String type = json.path("type").asText("roundrobin");
        Balancer balancer = type.equals("chash") ? new ConsistentHashBalancer(nodes) : new RoundRobinBalancer(nodes);
        JsonNode timeout = json.path("timeout");
        JsonNode tls = json.path("tls");
        int retries = json.has("retries") ? json.get("retries").asInt() : Math.max(0, nodes.size() - 1);
        PassHost passHost = new PassHost(PassHost.Mode.valueOf(json.path("pass_host").asText("pass").toUpperCase(Locale.ROOT)),
                json.path("upstream_host").asText(null));
        return new Upstream(id, nodes, balancer, passHost, retries,
                new Timeouts(seconds(timeout.path("connect")), seconds(timeout.path("send")), seconds(timeout.path("read"))),
                new HashOn(json.path("hash_on").asText("vars"), json.path("key").asText("remote_addr").toLowerCase(Locale.ROOT)),
                new Tls(tls.path("verify").asBoolean(false), tls.path("client_cert_id").asText(null)));
    }

    private static List<UpstreamNode> nodes(JsonNode n, boolean https) {
        List<UpstreamNode> nodes = new ArrayList<>();
        if (n.isObject()) {
            n.properties().forEach(e -> nodes.add(node(e.getKey(), e.getValue().asInt(), https)));
        } else {
            n.forEach(node -> nodes.add(UpstreamNode.of(https ? "https" : "http", node.get("host").asText(),
                    node.path("port").asInt(https ? 443 : 80), node.path("weight").asInt())));
        }
        return nodes;
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
