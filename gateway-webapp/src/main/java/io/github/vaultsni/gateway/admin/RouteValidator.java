package io.github.vaultsni.gateway.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.github.vaultsni.gateway.route.ClientAddresses;
import io.github.vaultsni.gateway.route.VarsExpression;

import java.util.List;

/**
 * A route: APISIX's own checks before its schema ({@code apisix/admin/routes.lua}: only one of {@code host} and
 * {@code hosts}, of {@code remote_addr} and {@code remote_addrs}), its schema ({@code schema/route.json}), then
 * code: an {@code upstream_id} and a {@code service_id} must exist; an inline {@code upstream} gets the upstream's
 * checks; {@code vars} must compile as lua-resty-expr compiles them ({@link VarsExpression}), {@code remote_addrs}
 * as addresses ({@link ClientAddresses}). And ours: what this gateway does not implement and could only ignore
 * (scripts and filter functions, which are Lua; plugin configs; plugins other than prometheus, which may keep
 * requests out: authentication, limits) is refused rather than stored, so that no route lets through more than its
 * author meant.
 */
final class RouteValidator implements Validator {
    /** Stored and ignored, these would let through requests APISIX keeps out: refused instead. */
    private static final List<String> UNSUPPORTED = List.of("script", "script_id");
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
        if (route.has("filter_func")) {
            throw AdminException.invalid("property \"filter_func\" is not supported by this gateway: it is Lua, which "
                    + "this gateway does not run; match with vars, remote_addrs, hosts and methods instead");
        }
        if (route.has("plugin_config_id")) {
            throw AdminException.badRequest("failed to fetch plugin config info by plugin config id ["
                    + route.get("plugin_config_id").asText() + "], response code: 404");
        }
        AdminCatalog.checkPlugins(route.path("plugins"));
        for (String field : new String[]{"remote_addr", "remote_addrs"}) {
            if (route.has(field)) {
                try {
                    ClientAddresses.of(route.get(field));
                } catch (IllegalArgumentException e) {
                    throw AdminException.invalid("property \"" + field + "\" validation failed: " + e.getMessage());
                }
            }
        }
        if (route.has("vars")) {
            try {
                VarsExpression.compile(route.get("vars"));
            } catch (IllegalArgumentException e) {
                throw AdminException.badRequest("failed to validate the 'vars' expression: " + e.getMessage());
            }
        }
        if (route.has("upstream")) {
            upstreams.checkInCode((ObjectNode) route.get("upstream"), lookup);
        }
        References.mustExist(route, "upstream_id", Resource.UPSTREAMS, lookup);
        References.mustExist(route, "service_id", Resource.SERVICES, lookup);
    }

    private static AdminException unsupported(String field) {
        return AdminException.invalid("property \"" + field + "\" is not supported by this gateway");
    }
}
