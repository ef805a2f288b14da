package io.github.vaultsni.gateway.route;

import java.net.URI;

/**
 * One upstream server: {@code host:port}, its weight (0 = never chosen), and the origin requests to it go to
 * ({@code http://host:port} or {@code https://...}), made once here rather than for every request.
 *
 * @param authority {@code host:port}, with IPv6 hosts in brackets
 */
public record UpstreamNode(String host, int port, int weight, String authority, URI origin) {

    public static UpstreamNode of(String scheme, String host, int port, int weight) {
        String authority = (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
        return new UpstreamNode(host, port, weight, authority, URI.create(scheme + "://" + authority));
    }
}
