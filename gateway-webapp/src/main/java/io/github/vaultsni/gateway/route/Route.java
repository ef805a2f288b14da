package io.github.vaultsni.gateway.route;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * A route ready to match: its URIs (exact, or prefixes written {@code /api/*}), and its filters as APISIX applies
 * them once a URI matched: hosts (exact or {@code *.x}), methods, client addresses ({@code remote_addrs}) and
 * {@code vars}; its service ({@code ""} for none), its priority, whether it proxies WebSockets, and its upstream (null: the route answers 503, as
 * APISIX's does when its upstream or service is gone). Disabled routes ({@code status: 0}) never reach a table.
 */
public record Route(String id, String serviceId, List<String> uris, List<String> hosts, Set<String> methods,
                    int priority, ClientAddresses remoteAddresses, VarsExpression vars, boolean websocket,
                    Upstream upstream) {

    /**
     * The route an APISIX route object describes, once what it inherits from its service is in it
     * ({@link RouteConfigApplier}).
     *
     * @throws IllegalArgumentException for {@code vars} or addresses that do not compile
     */
    public static Route of(String id, JsonNode json, Upstream upstream) {
        List<String> uris = new ArrayList<>();
        if (json.hasNonNull("uri")) {
            uris.add(json.get("uri").asText());
        }
        json.path("uris").forEach(u -> uris.add(u.asText()));
        List<String> hosts = new ArrayList<>();
        if (json.hasNonNull("host")) {
            hosts.add(json.get("host").asText().toLowerCase(Locale.ROOT));
        }
        json.path("hosts").forEach(h -> hosts.add(h.asText().toLowerCase(Locale.ROOT)));
        Set<String> methods = new TreeSet<>();
        json.path("methods").forEach(m -> methods.add(m.asText()));
        JsonNode addresses = json.hasNonNull("remote_addr") ? json.get("remote_addr") : json.get("remote_addrs");
        return new Route(id, json.path("service_id").asText(""), List.copyOf(uris), List.copyOf(hosts),
                Set.copyOf(methods), json.path("priority").asInt(0),
                addresses == null ? null : ClientAddresses.of(addresses), VarsExpression.compile(json.get("vars")),
                json.path("enable_websocket").asBoolean(false), upstream);
    }

    /** Whether the request passes this route's filters: host, method, client address, then vars. */
    boolean accepts(VariableValues values) {
        RouteRequest request = values.request();
        return (methods.isEmpty() || methods.contains(request.method()))
                && (hosts.isEmpty() || hostIndex(request.host()) >= 0)
                && (remoteAddresses == null || remoteAddresses.contains(request.remoteAddressBytes()))
                && vars.matches(values);
    }

    /**
     * Which of the route's hosts the request's host (lower case, no port) matches, or -1: exact, or
     * {@code *.foo.com} as a suffix at any depth (APISIX's route host rule; SNI wildcards differ).
     */
    public int hostIndex(String host) {
        for (int i = 0; host != null && i < hosts.size(); i++) {
            String pattern = hosts.get(i);
            if (pattern.equals(host) || pattern.startsWith("*.")
                    && host.regionMatches(host.length() - pattern.length() + 1, pattern, 1, pattern.length() - 1)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Which of the route's URIs the request's path matches, or -1, as {@link RouteTable} chooses: an exact URI
     * first, else the longest {@code /prefix/*} that the path starts with.
     */
    public int uriIndex(String path) {
        int best = -1;
        for (int i = 0; i < uris.size(); i++) {
            String uri = uris.get(i);
            if (uri.equals(path)) {
                return i;
            }
            if (uri.endsWith("*") && path.regionMatches(0, uri, 0, uri.length() - 1)
                    && (best < 0 || uri.length() > uris.get(best).length())) {
                best = i;
            }
        }
        return best;
    }
}
