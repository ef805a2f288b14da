package io.github.vaultsni.gateway.route;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.vaultsni.gateway.store.ConfigStore;
import io.github.vaultsni.gateway.store.StoredKind;
import io.github.vaultsni.gateway.store.StoredObject;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.eclipse.jetty.util.component.LifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Keeps the served {@link RouteTable} in step with the store: every change to a route, a service or an upstream
 * builds a new table from the stored objects and swaps it in whole. Requests in flight keep the route and upstream
 * they matched, so a swap drops nothing.
 *
 * <p>A route with a {@code service_id} inherits, as APISIX's do, what it does not set itself: the service's
 * upstream ({@code upstream} or {@code upstream_id}), {@code hosts}, {@code enable_websocket} and {@code plugins}.
 * A route whose upstream or service is gone (deleted with {@code ?force=true}) stays in the table and answers 503,
 * as APISIX's: it never falls through to a route its author did not write for those requests.
 */
public final class RouteConfigApplier extends AbstractLifeCycle implements RouteTableSource, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RouteConfigApplier.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ConfigStore store;
    private ConfigStore.Watch watch;
    private volatile RouteTable table = RouteTable.empty();
    /** The last version of each route and upstream that could be used, kept when a newer one cannot. */
    private final Map<String, Route> goodRoutes = new HashMap<>();
    private final Map<String, Upstream> goodUpstreams = new HashMap<>();
    private final Map<String, Service> goodServices = new HashMap<>();
    /** Rejections already logged, by kind, id and revision: one line each. */
    private final java.util.Set<String> rejected = new java.util.HashSet<>();

    /** Routes from {@code store} (started before this applier), read and watched once this applier starts. */
    public RouteConfigApplier(ConfigStore store) {
        this.store = store;
    }

    /** A started applier of {@code store}. */
    public static RouteConfigApplier start(ConfigStore store) {
        RouteConfigApplier applier = new RouteConfigApplier(store);
        LifeCycle.start(applier);
        return applier;
    }

    @Override
    protected void doStart() {
        long revision = store.revision();
        rebuild();
        watch = store.watch(revision, change -> {
            if (StoredKind.ROUTES.holds(change.key()) || StoredKind.UPSTREAMS.holds(change.key())
                    || StoredKind.SERVICES.holds(change.key())) {
                rebuild();
            }
        });
    }

    @Override
    public RouteTable current() {
        return table;
    }

    /**
     * A new table from the stored routes, services and upstreams. An object that cannot be used (a hand-written
     * value that is not JSON) does not replace its last good version: that one is kept, and one line says so.
     */
    private synchronized void rebuild() {
        Map<String, Upstream> upstreams = new HashMap<>();
        for (StoredObject o : store.list(StoredKind.UPSTREAMS.prefix())) {
            String id = StoredKind.UPSTREAMS.idOf(o.key());
            try {
                Upstream upstream = Upstream.of(id, JSON.readTree(o.json()));
                upstreams.put(id, upstream);
                goodUpstreams.put(id, upstream);
            } catch (IOException | RuntimeException e) {
                keepPrevious("upstream", id, o, e, goodUpstreams.get(id), u -> upstreams.put(id, u));
            }
        }
        goodUpstreams.keySet().retainAll(upstreams.keySet());
        Map<String, Service> services = new HashMap<>();
        for (StoredObject o : store.list(StoredKind.SERVICES.prefix())) {
            String id = StoredKind.SERVICES.idOf(o.key());
            try {
                Service service = Service.of(id, JSON.readTree(o.json()), upstreams);
                services.put(id, service);
                goodServices.put(id, service);
            } catch (IOException | RuntimeException e) {
                keepPrevious("service", id, o, e, goodServices.get(id), v -> services.put(id, v));
            }
        }
        goodServices.keySet().retainAll(services.keySet());
        List<Route> routes = new ArrayList<>();
        java.util.Set<String> present = new java.util.HashSet<>();
        for (StoredObject o : store.list(StoredKind.ROUTES.prefix())) {
            String id = StoredKind.ROUTES.idOf(o.key());
            present.add(id);
            try {
                JsonNode json = JSON.readTree(o.json());
                if (json.path("status").asInt(1) == 0) {
                    goodRoutes.remove(id);
                    continue;
                }
                Route route = route(id, json, upstreams, services);
                routes.add(route);
                goodRoutes.put(id, route);
            } catch (IOException | RuntimeException e) {
                keepPrevious("route", id, o, e, goodRoutes.get(id), routes::add);
            }
        }
        goodRoutes.keySet().retainAll(present);
        table = RouteTable.of(routes);
    }

    /** A route with what it inherits from its service; its upstream null when what it names is gone. */
    private Route route(String id, JsonNode json, Map<String, Upstream> upstreams, Map<String, Service> services) {
        Service service = null;
        if (json.hasNonNull("service_id")) {
            service = services.get(json.get("service_id").asText());
            if (service == null) {
                missing("route " + id, "service " + json.get("service_id").asText());
                return Route.of(id, json, null);
            }
        }
        Upstream upstream;
        if (json.has("upstream")) {
            upstream = Upstream.of("route " + id, json.get("upstream"));
        } else if (json.hasNonNull("upstream_id")) {
            upstream = upstreams.get(json.get("upstream_id").asText());
            if (upstream == null) {
                missing("route " + id, "upstream " + json.get("upstream_id").asText());
            }
        } else {
            upstream = service == null ? null : service.upstream();
        }
        return Route.of(id, service == null ? json : service.inheritedBy((ObjectNode) json), upstream);
    }

    /** One line per route and missing object: such a route answers 503 until the object is back. */
    private void missing(String user, String what) {
        if (rejected.add(user + " missing " + what)) {
            LOG.warn("{}: {} not found; the route answers 503 until it exists", user, what);
        }
    }

    private <T> void keepPrevious(String kind, String id, StoredObject o, Exception e, T previous,
                                  java.util.function.Consumer<T> use) {
        String why = e instanceof IOException ? "not JSON" : e.getMessage();
        boolean first = rejected.add(kind + "/" + id + "@" + o.modifiedIndex());
        if (previous != null) {
            use.accept(previous);
        }
        if (first) {
            LOG.warn("{} {} at revision {} rejected ({}); {}", kind, id, o.modifiedIndex(), why,
                    previous != null ? "keeping its previous version" : "left out");
        }
    }

    @Override
    protected void doStop() {
        if (watch != null) {
            watch.close();
            watch = null;
        }
    }

    /** Stops the applier ({@link #stop()}). */
    @Override
    public void close() {
        LifeCycle.stop(this);
    }
}
