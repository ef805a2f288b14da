package io.github.vaultsni.gateway.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * A route: APISIX's own checks before its schema ({@code apisix/admin/routes.lua}: only one of {@code host} and
 * {@code hosts}, of {@code remote_addr} and {@code remote_addrs}), its schema ({@code schema/route.json}), then
 * code: an {@code upstream_id} must exist; an inline {@code upstream} gets the upstream's checks. And ours: what
 * this gateway does not implement and could only ignore (services, plugin configs, scripts, filter functions,
 * {@code vars} and client-address filters, each of which narrows what a route matches, and plugins, which may keep
 * requests out: authentication, limits) is refused rather than stored, so that no route lets through more than its
 * author meant. {@code plugins} may be empty or hold {@code prometheus}, which this gateway does on every route.
 */
final class RouteValidator implements Validator {
    /** Stored and ignored, these would let through requests APISIX keeps out: refused instead. */
    private static final List<String> UNSUPPORTED = List.of("service_id", "plugin_config_id", "script", "script_id",
            "filter_func", "vars", "remote_addr", "remote_addrs");
    private final UpstreamValidator upstreams = new UpstreamValidator();

    @Override
    public void validate(ObjectNode route, Lookup lookup) {
        if (route.has("host") && route.has("hosts")) {
            throw AdminException.badRequest("only one of host or hosts is allowed");
        }
        if (route.has("remote_addr") && route.has("remote_addrs")) {
            throw AdminException.badRequest("only one of remote_addr or remote_addrs is allowed");
        }
        JsonSchemas.apisix().check("route.json", route);
        for (String field : UNSUPPORTED) {
            if (route.has(field)) {
                throw unsupported(field);
            }
        }
        // metrics are always on here: prometheus asks for nothing more
        if (route.path("plugins").properties().stream().anyMatch(plugin -> !plugin.getKey().equals("prometheus"))) {
            throw unsupported("plugins");
        }
        if (route.has("upstream")) {
            upstreams.checkInCode((ObjectNode) route.get("upstream"), lookup);
        }
        if (route.has("upstream_id")) {
            JsonNode id = route.get("upstream_id");
            if (lookup.find(Resource.UPSTREAMS, id.asText()).isEmpty()) {
                throw AdminException.badRequest("failed to fetch upstream info by upstream id [" + id.asText()
                        + "], response code: 404");
            }
        }
    }

    private static AdminException unsupported(String field) {
        return AdminException.invalid("property \"" + field + "\" is not supported by this gateway");
    }
}
