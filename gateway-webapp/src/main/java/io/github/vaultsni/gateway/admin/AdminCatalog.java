package io.github.vaultsni.gateway.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import java.util.List;
import java.util.Map;

/**
 * What tools read about the admin API rather than the objects in it, as APISIX answers it: the schemas
 * ({@code GET /apisix/admin/schema/<name>}, {@code POST /apisix/admin/schema/validate/<resource>}) and the plugins
 * ({@code GET /apisix/admin/plugins/list}, {@code /plugins/<name>}, {@code /schema/plugins/<name>}). Everything it
 * answers comes from the JSON Schemas the validators use ({@link JsonSchemas}), so what a tool reads is what a
 * write is checked against.
 */
final class AdminCatalog {
    /** APISIX's schema names ({@code core.schema[name]}) and ours for the secret manager, to their files. */
    private static final Map<String, String> SCHEMAS = Map.of("route", "route.json", "service", "service.json",
            "upstream", "upstream.json", "ssl", "ssl.json", "secret", "secret-vault.json");
    /** The plugins this gateway runs: prometheus only (it meters every route). */
    private static final List<String> PLUGINS = List.of("prometheus");

    /** {@code GET schema/<name>}, {@code GET schema/plugins/<name>}, {@code POST schema/validate/<resource>}. */
    AdminResponse schema(String method, List<String> rest, Map<String, String> query, String body) {
        if (rest.size() == 2 && rest.get(0).equals("validate") && method.equals("POST")) {
            return validate(rest.get(1), body);
        }
        if (!method.equals("GET") || rest.isEmpty()) {
            throw AdminException.of(404, "not found");
        }
        if (rest.get(0).equals("plugins")) {
            return plugin(rest.size() > 1 ? rest.get(1) : "", query);
        }
        String file = SCHEMAS.get(rest.get(0));
        if (file == null) {
            throw AdminException.badRequest("not found schema: " + rest.get(0));
        }
        return new AdminResponse(200, JsonSchemas.apisix().published(file));
    }

    /** {@code GET plugins/list} and {@code GET plugins/<name>}. */
    AdminResponse plugins(String method, List<String> rest, Map<String, String> query) {
        if (!method.equals("GET")) {
            throw AdminException.of(404, "not found");
        }
        if (rest.equals(List.of("list"))) {
            String subsystem = query.getOrDefault("subsystem", "http");
            if (!subsystem.equals("http") && !subsystem.equals("stream")) {
                throw AdminException.badRequest("invalid subsystem passed");
            }
            return new AdminResponse(200, JsonNodeFactory.instance.arrayNode().addAll(subsystem.equals("http")
                    ? PLUGINS.stream().map(JsonNodeFactory.instance::textNode).toList() : List.of()));
        }
        return plugin(rest.isEmpty() ? "" : rest.get(0), query);
    }

    private AdminResponse plugin(String name, Map<String, String> query) {
        String subsystem = query.getOrDefault("subsystem", "http");
        if (!subsystem.equals("http") && !subsystem.equals("stream")) {
            throw AdminException.badRequest("unsupported subsystem: " + subsystem);
        }
        if (!subsystem.equals("http") || !PLUGINS.contains(name)) {
            throw AdminException.of(404, "plugin not found in subsystem " + subsystem);
        }
        return new AdminResponse(200, JsonSchemas.apisix().published("plugin-" + name + ".json"));
    }

    /** APISIX checks the schema only (not what its code checks after): 200, or 400 with the schema's message. */
    private AdminResponse validate(String resourcePath, String body) {
        Resource resource = Resource.ofPath(resourcePath.equals("secrets") ? "secrets/vault" : resourcePath)
                .orElseThrow(() -> AdminException.of(404, "Unsupported resource type: " + resourcePath));
        JsonNode value = AdminApi.parse(body);
        return JsonSchemas.apisix().problem(resource.schema, value)
                .map(why -> new AdminResponse(400, JsonNodeFactory.instance.objectNode().put("error_msg", why)))
                .orElseGet(() -> new AdminResponse(200, null));
    }

    /** Checks a route's or a service's {@code plugins}: each must be one this gateway runs, with its schema. */
    static void checkPlugins(JsonNode plugins) {
        plugins.properties().forEach(plugin -> {
            if (!PLUGINS.contains(plugin.getKey())) {
                throw AdminException.invalid("property \"plugins\" is not supported by this gateway: plugin "
                        + plugin.getKey() + " is not run here (only " + String.join(", ", PLUGINS) + ")");
            }
            JsonSchemas.apisix().problem("plugin-" + plugin.getKey() + ".json", plugin.getValue()).ifPresent(why -> {
                throw AdminException.badRequest("failed to check the configuration of plugin " + plugin.getKey()
                        + " err: " + why);
            });
        });
    }
}
