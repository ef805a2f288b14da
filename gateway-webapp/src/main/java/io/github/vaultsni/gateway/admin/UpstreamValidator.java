package io.github.vaultsni.gateway.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Set;

/**
 * APISIX's upstream schema: {@code nodes} as {@code {"host:port": weight}} or {@code [{host, port, weight}]},
 * {@code type}, chash's {@code hash_on}/{@code key}, {@code scheme}, {@code pass_host} (+ {@code upstream_host}),
 * {@code retries}, {@code timeout {connect, send, read}}, and {@code tls {client_cert_id, verify}} whose
 * {@code client_cert_id} must name an existing SSL object of type {@code client}.
 */
final class UpstreamValidator implements Validator {
    private static final Set<String> FIELDS = Set.of("id", "nodes", "type", "hash_on", "key", "scheme", "pass_host",
            "upstream_host", "retries", "retry_timeout", "timeout", "tls", "name", "desc", "labels", "keepalive_pool",
            "checks", "create_time", "update_time");

    @Override
    public void validate(ObjectNode upstream, Lookup lookup) {
        Schema.allowOnly(upstream, FIELDS);
        if (!upstream.hasNonNull("nodes")) {
            throw AdminException.invalid("value should match only one schema, but matches none");
        }
        nodes(upstream.get("nodes"));
        String type = upstream.has("type") ? upstream.get("type").asText() : "roundrobin";
        if (upstream.has("type")) {
            Schema.oneOf(upstream.get("type"), "type", Set.of("roundrobin", "chash", "least_conn", "ewma"));
        }
        if (type.equals("chash")) {
            Schema.required(upstream, "key");
            Schema.string(upstream.get("key"), "key", 1, 256);
            if (upstream.has("hash_on")) {
                Schema.oneOf(upstream.get("hash_on"), "hash_on", Set.of("vars", "header", "cookie", "consumer", "vars_combinations"));
            }
        }
        if (upstream.has("scheme")) {
            Schema.oneOf(upstream.get("scheme"), "scheme", Set.of("http", "https", "grpc", "grpcs"));
        }
        if (upstream.has("pass_host")) {
            Schema.oneOf(upstream.get("pass_host"), "pass_host", Set.of("pass", "node", "rewrite"));
            if (upstream.get("pass_host").asText().equals("rewrite")) {
                Schema.required(upstream, "upstream_host");
            }
        }
        if (upstream.has("upstream_host")) {
            Schema.string(upstream.get("upstream_host"), "upstream_host", 1, 255);
        }
        if (upstream.has("retries")) {
            Schema.integer(upstream.get("retries"), "retries", 0, 100);
        }
        if (upstream.has("timeout")) {
            ObjectNode timeout = Schema.object(upstream.get("timeout"), "timeout");
            for (String part : new String[]{"connect", "send", "read"}) {
                Schema.required(timeout, part);
                Schema.positiveNumber(timeout.get(part), "timeout." + part);
            }
        }
        if (upstream.has("tls")) {
            tls(Schema.object(upstream.get("tls"), "tls"), lookup);
        }
    }

    private static void nodes(JsonNode nodes) {
        if (nodes.isObject()) {
            nodes.fields().forEachRemaining(e -> {
                if (!e.getKey().matches("^.+:\\d+$|^[^:]+$")) {
                    throw Schema.failed("nodes", "invalid node " + e.getKey());
                }
                Schema.integer(e.getValue(), "nodes." + e.getKey(), 0, 65535);
            });
            return;
        }
        Schema.array(nodes, "nodes", 0).forEach(node -> {
            ObjectNode n = Schema.object(node, "nodes");
            Schema.required(n, "host");
            Schema.string(n.get("host"), "host", 1, 255);
            if (n.has("port")) {
                Schema.integer(n.get("port"), "port", 1, 65535);
            }
            Schema.required(n, "weight");
            Schema.integer(n.get("weight"), "weight", 0, 65535);
        });
    }

    private static void tls(ObjectNode tls, Lookup lookup) {
        if (tls.has("verify")) {
            Schema.bool(tls.get("verify"), "tls.verify");
        }
        if (tls.has("client_cert_id")) {
            String id = tls.get("client_cert_id").asText();
            ObjectNode ssl = lookup.find(Resource.SSLS, id).orElseThrow(() -> AdminException.badRequest(
                    "failed to fetch ssl info by ssl id [" + id + "], response code: 404"));
            if (!"client".equals(ssl.path("type").asText("server"))) {
                throw AdminException.badRequest("failed to fetch ssl info by ssl id [" + id + "]: ssl type should be 'client'");
            }
        }
    }
}
