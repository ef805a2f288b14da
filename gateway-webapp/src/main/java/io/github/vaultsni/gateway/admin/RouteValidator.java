package io.github.vaultsni.gateway.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Set;

/**
 * APISIX's route schema, as far as this gateway serves it: exactly one of {@code uri}/{@code uris}; optional
 * {@code host}/{@code hosts} (wildcards allowed), {@code methods}, {@code priority}, {@code status}; and an
 * inline {@code upstream} (validated as one) or an {@code upstream_id} that exists.
 */
final class RouteValidator implements Validator {
    private static final Set<String> FIELDS = Set.of("id", "uri", "uris", "host", "hosts", "methods", "priority",
            "status", "upstream", "upstream_id", "name", "desc", "labels", "plugins", "remote_addr", "remote_addrs",
            "vars", "enable_websocket", "timeout", "create_time", "update_time");
    private static final Set<String> METHODS = Set.of("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS",
            "CONNECT", "TRACE", "PURGE");
    private final UpstreamValidator upstreams = new UpstreamValidator();

    @Override
    public void validate(ObjectNode route, Lookup lookup) {
        Schema.allowOnly(route, FIELDS);
        boolean uri = route.has("uri");
        boolean uris = route.has("uris");
        boolean upstream = route.has("upstream") || route.has("upstream_id") || route.has("plugins");
        if (uri == uris || !upstream) {
            throw AdminException.invalid(uri && uris ? "value should match only one schema, but matches both schemas 1 and 2"
                    : "value should match only one schema, but matches none");
        }
        if (uri) {
            Schema.string(route.get("uri"), "uri", 1, 4096);
        } else {
            Schema.array(route.get("uris"), "uris", 1).forEach(u -> Schema.string(u, "uris", 1, 4096));
        }
        if (route.has("host") && route.has("hosts")) {
            throw AdminException.invalid("only one of host or hosts is allowed");
        }
        if (route.has("host")) {
            Schema.pattern(route.get("host"), "host", SslValidator.SNI);
        }
        if (route.has("hosts")) {
            Schema.array(route.get("hosts"), "hosts", 1).forEach(h -> Schema.pattern(h, "hosts", SslValidator.SNI));
        }
        if (route.has("methods")) {
            Schema.array(route.get("methods"), "methods", 1).forEach(m -> Schema.oneOf(m, "methods", METHODS));
        }
        if (route.has("priority")) {
            Schema.integer(route.get("priority"), "priority", Integer.MIN_VALUE, Integer.MAX_VALUE);
        }
        if (route.has("status")) {
            Schema.oneOf(route.get("status"), "status", Set.of(0, 1));
        }
        if (route.has("upstream")) {
            upstreams.validate(Schema.object(route.get("upstream"), "upstream"), lookup);
        }
        if (route.has("upstream_id")) {
            JsonNode id = route.get("upstream_id");
            if (lookup.find(Resource.UPSTREAMS, id.asText()).isEmpty()) {
                throw AdminException.badRequest("failed to fetch upstream info by upstream id [" + id.asText()
                        + "], response code: 404");
            }
        }
    }
}
