package io.github.vaultsni.gateway.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

/**
 * An upstream: APISIX's schema ({@code schema/upstream.json}), then what APISIX checks in code
 * ({@code apisix/upstream.lua}), with its messages: a node's IPv6 host in brackets, a map node's port in 1..65535,
 * a chash upstream's {@code key} (required unless it hashes on the consumer, and of the form its {@code hash_on}
 * takes), {@code upstream_host} with {@code pass_host: rewrite}, and {@code tls.client_cert_id} naming an existing
 * SSL object of type {@code client}. And ours: {@code nodes} are required, as this gateway does no service
 * discovery.
 */
final class UpstreamValidator implements Validator {

    @Override
    public void validate(ObjectNode upstream, Lookup lookup) {
        JsonSchemas.apisix().check("upstream.json", upstream);
        checkInCode(upstream, lookup);
    }

    /** The checks after the schema (which a route's inline upstream has had as part of the route's). */
    void checkInCode(ObjectNode upstream, Lookup lookup) {
        if (!upstream.has("nodes")) {
            throw AdminException.invalid("property \"nodes\" is required: this gateway does no service discovery");
        }
        nodes(upstream.get("nodes"));
        hashKey(upstream);
        if ("rewrite".equals(upstream.path("pass_host").asText()) && upstream.path("upstream_host").asText("").isEmpty()) {
            throw AdminException.badRequest("`upstream_host` can't be empty when `pass_host` is `rewrite`");
        }
        clientCertificate(upstream, lookup);
    }

    private static void nodes(JsonNode nodes) {
        if (nodes.isArray()) {
            for (JsonNode node : nodes) {
                String host = node.path("host").asText();
                if (host.indexOf(':') != host.lastIndexOf(':') && !host.startsWith("[")) {
                    throw AdminException.invalid("IPv6 address must be enclosed with '[' and ']'");
                }
                weight(node.path("weight"));
            }
            return;
        }
        for (var entries = nodes.properties().iterator(); entries.hasNext(); ) {
            var entry = entries.next();
            String address = entry.getKey();
            int colon = address.lastIndexOf(':');
            boolean hasPort = colon > 0 && address.indexOf(']') < colon;
            if (hasPort) {
                String port = address.substring(colon + 1);
                long number = port.chars().allMatch(Character::isDigit) && !port.isEmpty() && port.length() < 10
                        ? Long.parseLong(port) : -1;
                if (number < 1 || number > 65535) {
                    throw AdminException.badRequest("invalid port " + port);
                }
            }
            // Ours: a key's host is a host, as an array node's is (APISIX takes any key, and a CR in it later).
            JsonSchemas.apisix().checkValue("host", TextNode.valueOf(hasPort ? address.substring(0, colon) : address), "nodes");
            weight(entry.getValue());
        }
    }

    /**
     * Ours: a weight fits an int. The balancers add weights up; one of 2^63 once made every request a 502 (APISIX
     * takes any integer: its weights are Lua numbers).
     */
    private static void weight(JsonNode weight) {
        if (weight.isIntegralNumber() && !weight.canConvertToInt()) {
            throw AdminException.invalid("property \"nodes\" validation failed: weight " + weight.asText()
                    + " is more than " + Integer.MAX_VALUE);
        }
    }

    private static void hashKey(ObjectNode upstream) {
        String hashOn = upstream.path("hash_on").asText("vars");
        if (!"chash".equals(upstream.path("type").asText()) || hashOn.equals("consumer")) {
            return;
        }
        if (!upstream.hasNonNull("key")) {
            throw AdminException.badRequest("missing key");
        }
        JsonSchemas.apisix().checkValue(switch (hashOn) {
            case "header", "cookie" -> "upstream_hash_header";
            case "vars_combinations" -> "upstream_hash_vars_combinations";
            default -> "upstream_hash_vars";
        }, upstream.get("key"));
    }

    private static void clientCertificate(ObjectNode upstream, Lookup lookup) {
        for (String inline : new String[]{"client_cert", "client_key"}) {
            if (upstream.path("tls").has(inline)) {
                throw AdminException.invalid("property \"tls." + inline + "\" is not supported by this gateway: name a "
                        + "client SSL object with tls.client_cert_id");
            }
        }
        JsonNode certificateId = upstream.path("tls").get("client_cert_id");
        if (certificateId != null) {
            String id = certificateId.asText();
            ObjectNode ssl = lookup.find(Resource.SSLS, id).orElseThrow(() -> AdminException.badRequest(
                    "failed to fetch ssl info by ssl id [" + id + "], response code: 404"));
            if (!"client".equals(ssl.path("type").asText("server"))) {
                throw AdminException.badRequest("failed to fetch ssl info by ssl id [" + id + "], wrong ssl type");
            }
        }
    }
}
