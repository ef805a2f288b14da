package io.github.vaultsni.gateway.route;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Map;

/**
 * An APISIX service as routes use it: what a route naming it with {@code service_id} inherits when it does not
 * set it itself (APISIX's {@code apisix/router.lua} merge: the route's own fields win): the upstream (inline, or by
 * {@code upstream_id}; null when that upstream is gone), {@code hosts}, {@code enable_websocket}, {@code plugins}.
 * An inline upstream is built once per service, so the routes sharing it share its balancer, as in APISIX.
 */
record Service(String id, JsonNode json, Upstream upstream) {

    static Service of(String id, JsonNode json, Map<String, Upstream> upstreams) {
        Upstream upstream = json.has("upstream") ? Upstream.of("service " + id, json.get("upstream"))
                : json.hasNonNull("upstream_id") ? upstreams.get(json.get("upstream_id").asText()) : null;
        return new Service(id, json, upstream);
    }

    /** The route object with what it inherits from this service filled in (a copy). */
    ObjectNode inheritedBy(ObjectNode route) {
        ObjectNode merged = route.deepCopy();
        if (!merged.has("host") && !merged.has("hosts") && json.has("hosts")) {
            merged.set("hosts", json.get("hosts"));
        }
        for (String field : new String[]{"enable_websocket", "plugins"}) {
            if (!merged.has(field) && json.has(field)) {
                merged.set(field, json.get(field));
            }
        }
        return merged;
    }
}
