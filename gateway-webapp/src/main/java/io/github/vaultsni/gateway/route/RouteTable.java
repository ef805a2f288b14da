package io.github.vaultsni.gateway.route;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * An immutable snapshot of the routes, swapped whole on every change. Lookup order for a request path:
 * <ol>
 *   <li>routes with that exact URI;</li>
 *   <li>routes with a prefix URI ({@code /api/*} = prefix {@code /api/}), longest prefix first;</li>
 * </ol>
 * and within one URI, the first route (highest {@code priority}, then routes with hosts before those without,
 * then id) whose filters (hosts, methods, client addresses, vars) accept the request. The cost is a hash lookup per distinct prefix length,
 * not a scan of the routes.
 */
public final class RouteTable {
    private static final RouteTable EMPTY = new RouteTable(List.of());
    private static final Comparator<Route> PRECEDENCE = Comparator.comparingInt(Route::priority).reversed()
            .thenComparing(r -> r.hosts().isEmpty())
            .thenComparing(Route::id);

    private final Map<String, List<Route>> exact = new HashMap<>();
    private final Map<String, List<Route>> prefixes = new HashMap<>();
    private final int[] prefixLengths;
    private final int size;

    private RouteTable(Collection<Route> routes) {
        TreeSet<Integer> lengths = new TreeSet<>(Comparator.reverseOrder());
        for (Route route : routes) {
            for (String uri : route.uris()) {
                if (uri.endsWith("*")) {
                    String prefix = uri.substring(0, uri.length() - 1);
                    prefixes.computeIfAbsent(prefix, p -> new ArrayList<>()).add(route);
                    lengths.add(prefix.length());
                } else {
                    exact.computeIfAbsent(uri, u -> new ArrayList<>()).add(route);
                }
            }
        }
        exact.values().forEach(list -> list.sort(PRECEDENCE));
        prefixes.values().forEach(list -> list.sort(PRECEDENCE));
        this.prefixLengths = lengths.stream().mapToInt(Integer::intValue).toArray();
        this.size = routes.size();
    }

    public static RouteTable of(Collection<Route> routes) {
        return new RouteTable(routes);
    }

    public static RouteTable empty() {
        return EMPTY;
    }

    /** The route for a request, or null. */
    public Route match(RouteRequest request) {
        String path = request.decodedPath();
        VariableValues values = new VariableValues(request);
        Route route = first(exact.get(path), values);
        if (route != null) {
            return route;
        }
        for (int length : prefixLengths) {
            if (length <= path.length()) {
                route = first(prefixes.get(path.substring(0, length)), values);
                if (route != null) {
                    return route;
                }
            }
        }
        return null;
    }

    private static Route first(List<Route> candidates, VariableValues values) {
        if (candidates != null) {
            for (Route route : candidates) {
                if (route.accepts(values)) {
                    return route;
                }
            }
        }
        return null;
    }

    public int size() {
        return size;
    }
}
