package io.github.vaultsni.gateway.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.vaultsni.pem.Pem;
import io.github.vaultsni.pem.PemException;
import io.github.vaultsni.secret.SecretReference;

import java.util.Set;
import java.util.regex.Pattern;

/**
 * APISIX's SSL object schema: {@code type} server (exactly one of {@code sni}/{@code snis}) or client;
 * {@code cert} 128..65536 and {@code key} 64..65536 characters unless references; {@code certs}/{@code keys} in
 * equal numbers; {@code client {ca, depth, skip_mtls_uri_regex}}; {@code status}; {@code ssl_protocols}. Inline PEM
 * is parsed now, and (ours) a key that does not match its certificate is refused.
 */
final class SslValidator implements Validator {
    static final Pattern SNI = Pattern.compile("^\\*$|^\\*?[0-9a-zA-Z-._\\[\\]:]+$");
    private static final Set<String> FIELDS = Set.of("id", "type", "sni", "snis", "cert", "key", "certs", "keys",
            "client", "status", "ssl_protocols", "labels", "desc", "create_time", "update_time", "validity_start",
            "validity_end");

    @Override
    public void validate(ObjectNode ssl, Lookup lookup) {
        Schema.allowOnly(ssl, FIELDS);
        String type = ssl.has("type") ? ssl.get("type").asText() : "server";
        if (ssl.has("type")) {
            Schema.oneOf(ssl.get("type"), "type", Set.of("server", "client"));
        }
        if (type.equals("server")) {
            names(ssl);
        }
        Schema.required(ssl, "cert");
        Schema.required(ssl, "key");
        pem(ssl.get("cert"), "cert", 128);
        pem(ssl.get("key"), "key", 64);
        if (ssl.has("certs") || ssl.has("keys")) {
            JsonNode certs = Schema.array(ssl.path("certs").isMissingNode() ? ssl.arrayNode() : ssl.get("certs"), "certs", 0);
            JsonNode keys = Schema.array(ssl.path("keys").isMissingNode() ? ssl.arrayNode() : ssl.get("keys"), "keys", 0);
            if (certs.size() != keys.size()) {
                throw AdminException.invalid("mismatched number of certs and keys");
            }
            for (int i = 0; i < certs.size(); i++) {
                pem(certs.get(i), "certs", 128);
                pem(keys.get(i), "keys", 64);
            }
        }
        if (ssl.has("client")) {
            client(Schema.object(ssl.get("client"), "client"));
        }
        if (ssl.has("status")) {
            Schema.oneOf(ssl.get("status"), "status", Set.of(0, 1));
        }
        if (ssl.has("ssl_protocols")) {
            JsonNode protocols = Schema.array(ssl.get("ssl_protocols"), "ssl_protocols", 1);
            protocols.forEach(p -> Schema.oneOf(p, "ssl_protocols", Set.of("TLSv1.1", "TLSv1.2", "TLSv1.3")));
        }
        if (ssl.has("labels")) {
            Schema.object(ssl.get("labels"), "labels");
        }
        if (ssl.has("desc")) {
            Schema.string(ssl.get("desc"), "desc", 0, 256);
        }
        parsePairs(ssl);
    }

    private static void names(ObjectNode ssl) {
        boolean one = ssl.has("sni");
        boolean many = ssl.has("snis");
        if (one && many) {
            throw AdminException.invalid("value should match only one schema, but matches both schemas 1 and 2");
        }
        if (!one && !many) {
            throw AdminException.invalid("value should match only one schema, but matches none");
        }
        if (one) {
            Schema.pattern(ssl.get("sni"), "sni", SNI);
        } else {
            Schema.array(ssl.get("snis"), "snis", 1).forEach(s -> Schema.pattern(s, "snis", SNI));
        }
    }

    private static void pem(JsonNode value, String name, int min) {
        if (value.isTextual() && SecretReference.isReference(value.asText())) {
            try {
                SecretReference.parse(value.asText());
            } catch (IllegalArgumentException e) {
                throw Schema.failed(name, e.getMessage());
            }
            return;
        }
        Schema.string(value, name, min, 65536);
    }

    private static void client(ObjectNode client) {
        Schema.required(client, "ca");
        pem(client.get("ca"), "client.ca", 128);
        if (client.has("depth")) {
            Schema.integer(client.get("depth"), "client.depth", 0, 64);
        }
        if (client.has("skip_mtls_uri_regex")) {
            Schema.array(client.get("skip_mtls_uri_regex"), "client.skip_mtls_uri_regex", 1).forEach(r -> {
                String regex = Schema.string(r, "client.skip_mtls_uri_regex", 1, 4096);
                try {
                    Pattern.compile(regex);
                } catch (java.util.regex.PatternSyntaxException e) {
                    throw Schema.failed("client.skip_mtls_uri_regex", "invalid regex " + regex);
                }
            });
        }
        if (!isReference(client.get("ca"))) {
            try {
                Pem.decodeCertificates("client.ca", client.get("ca").asText());
            } catch (PemException e) {
                throw AdminException.badRequest("failed to parse client.ca: " + e.reason());
            }
        }
    }

    /** Inline pairs are parsed and matched now; a pair with a reference is checked when it is resolved. */
    private static void parsePairs(ObjectNode ssl) {
        pair(ssl.get("cert"), ssl.get("key"), -1);
        for (int i = 0; ssl.has("certs") && i < ssl.get("certs").size(); i++) {
            pair(ssl.get("certs").get(i), ssl.get("keys").get(i), i);
        }
    }

    private static void pair(JsonNode cert, JsonNode key, int index) {
        String prefix = index < 0 ? "" : "failed to handle cert-key pair[" + (index + 1) + "]: ";
        boolean inlineCert = !isReference(cert);
        boolean inlineKey = !isReference(key);
        try {
            if (inlineCert) {
                Pem.decodeCertificates("cert", cert.asText());
            }
        } catch (PemException e) {
            throw AdminException.badRequest(prefix + "failed to parse cert: " + e.reason());
        }
        try {
            if (inlineKey) {
                Pem.decodePrivateKey("key", key.asText(), null);
            }
        } catch (PemException e) {
            throw AdminException.badRequest(prefix + "failed to parse key: " + e.reason());
        }
        if (inlineCert && inlineKey) {
            try {
                Pem.decodeCertifiedKey("cert", cert.asText(), "key", key.asText(), null);
            } catch (PemException e) {
                throw AdminException.badRequest(prefix + "failed to match cert and key: " + e.reason());
            }
        }
    }

    static boolean isReference(JsonNode value) {
        return value != null && value.isTextual() && SecretReference.isReference(value.asText());
    }
}
