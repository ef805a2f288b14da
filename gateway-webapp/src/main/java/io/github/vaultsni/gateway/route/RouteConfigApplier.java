package io.github.vaultsni.gateway.route;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.vaultsni.gateway.admin.Resource;
import io.github.vaultsni.gateway.store.ConfigStore;
import io.github.vaultsni.gateway.store.StoredObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Keeps the served {@link RouteTable} in step with the store: every change to a route or an upstream builds a
 * new table from the stored objects and swaps it in whole. Requests in flight keep the route and upstream they
 * matched, so a swap drops nothing. A route naming a missing upstream is left out (and logged).
 */
public final class RouteConfigApplier implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RouteConfigApplier.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ConfigStore store;
    private final AutoCloseable watch;
    private volatile RouteTable table = RouteTable.empty();

    public RouteConfigApplier(ConfigStore store) {
        this.store = store;
        long revision = store.revision();
        rebuild();
        this.watch = store.watch(revision, change -> {
            if (change.key().startsWith(Resource.ROUTES.key("")) || change.key().startsWith(Resource.UPSTREAMS.key(""))) {
                rebuild();
            }
        });
    }

    public RouteTable table() {
        return table;
    }

    private synchronized void rebuild() {
        Map<String, Upstream> upstreams = new HashMap<>();
        for (StoredObject o : store.list(Resource.UPSTREAMS.key(""))) {
            String id = idOf(o, Resource.UPSTREAMS);
            try {
                upstreams.put(id, Upstream.of(id, JSON.readTree(o.json())));
            } catch (IOException | RuntimeException e) {
                LOG.warn("upstream {} left out: {}", id, e.toString());
            }
        }
        List<Route> routes = new ArrayList<>();
        for (StoredObject o : store.list(Resource.ROUTES.key(""))) {
            String id = idOf(o, Resource.ROUTES);
            try {
                JsonNode json = JSON.readTree(o.json());
                if (json.path("status").asInt(1) == 0) {
                    continue;
                }
                Upstream upstream = json.has("upstream") ? Upstream.of("route " + id, json.get("upstream"))
                        : upstreams.get(json.path("upstream_id").asText());
                if (upstream == null) {
                    LOG.warn("route {} left out: upstream {} not found", id, json.path("upstream_id").asText());
                    continue;
                }
                routes.add(Route.of(id, json, upstream));
            } catch (IOException | RuntimeException e) {
                LOG.warn("route {} left out: {}", id, e.toString());
            }
        }
        table = RouteTable.of(routes);
    }

    private static String idOf(StoredObject o, Resource resource) {
        return o.key().substring(resource.key("").length());
    }

    @Override
    public void close() {
        try {
            watch.close();
        } catch (Exception e) {
            LOG.debug("closing the route watch: {}", e.toString());
        }
    }
}
