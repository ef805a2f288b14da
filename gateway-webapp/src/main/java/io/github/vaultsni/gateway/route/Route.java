package io.github.vaultsni.gateway.route;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * A route ready to match: its URIs (exact, or prefixes written {@code /api/*}), hosts (exact or {@code *.x}),
 * methods, priority, and its upstream. Disabled routes ({@code status: 0}) never reach a table.
 */
public record Route(String id, List<String> uris, List<String> hosts, Set<String> methods, int priority,
                    Upstream upstream) {

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
        return new Route(id, List.copyOf(uris), List.copyOf(hosts), Set.copyOf(methods), json.path("priority").asInt(0),
                upstream);
    }

    /** Whether the request's host (lower case, no port) and method pass this route's filters. */
    boolean accepts(String host, String method) {
        return (methods.isEmpty() || methods.contains(method)) && (hosts.isEmpty() || hostMatches(host));
    }

    /** Exact, or {@code *.foo.com} as a suffix at any depth (APISIX's route host rule; SNI wildcards differ). */
    private boolean hostMatches(String host) {
        for (String pattern : hosts) {
            if (pattern.equals(host) || pattern.startsWith("*.") && host != null && host.endsWith(pattern.substring(1))) {
                return true;
            }
        }
        return false;
    }
}
