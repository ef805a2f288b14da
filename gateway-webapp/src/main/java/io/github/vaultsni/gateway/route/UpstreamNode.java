package io.github.vaultsni.gateway.route;

/** One upstream server: {@code host:port} and its weight (0 = never chosen). */
public record UpstreamNode(String host, int port, int weight) {

    /** {@code host:port}, with IPv6 hosts in brackets. */
    public String authority() {
        return (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
    }
}
