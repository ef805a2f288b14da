package io.github.vaultsni.gateway.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.vaultsni.pem.Pem;
import io.github.vaultsni.pem.PemException;
import io.github.vaultsni.secret.SecretReference;
import io.github.vaultsni.sni.SslObject;


/**
 * An SSL object: APISIX's schema ({@code schema/ssl.json}), then what APISIX checks in code
 * ({@code apisix/ssl.lua check_ssl_conf}): inline PEM parsed ("failed to parse cert: ..."), as many {@code certs}
 * as {@code keys}, each pair parsed ("failed to handle cert-key pair[1]: ..."), {@code client.ca} parsed; and ours:
 * a key that does not match its certificate is refused, a {@code $secret://} reference must be well formed,
 * each {@code skip_mtls_uri_regex} must compile, and an {@code issuer} comes without certificates or keys.
 */
final class SslValidator implements Validator {

    @Override
    public void validate(ObjectNode ssl, Lookup lookup) {
        if (ssl.has("issuer") && (ssl.has("cert") || ssl.has("key") || ssl.has("certs") || ssl.has("keys"))) {
            throw AdminException.invalid("issuer excludes cert, key, certs and keys: the certificates are issued");
        }
        JsonSchemas.apisix().check("ssl.json", ssl);
        references(ssl);
        if (ssl.path("certs").size() != ssl.path("keys").size() && !"client".equals(ssl.path("type").asText())) {
            throw AdminException.badRequest("mismatched number of certs and keys");
        }
        if (ssl.has("client")) {
            client(ssl.get("client"));
        }
        if (ssl.has("cert")) {
            pair(ssl.get("cert"), ssl.get("key"), -1);
        }
        for (int i = 0; i < Math.min(ssl.path("certs").size(), ssl.path("keys").size()); i++) {
            pair(ssl.get("certs").get(i), ssl.get("keys").get(i), i);
        }
        try {
            SslObject.fromJson(ssl.path("id").asText(), ssl); // what will be served is read as the store will read it
        } catch (IllegalArgumentException e) {
            throw AdminException.invalid(e.getMessage());
        }
    }

    /** Ours: a reference is parsed when it is written, not found wanting when it is first resolved. */
    private static void references(ObjectNode ssl) {
        for (String field : new String[]{"cert", "key"}) {
            reference(ssl.get(field), field);
        }
        for (String field : new String[]{"certs", "keys"}) {
            ssl.path(field).forEach(value -> reference(value, field));
        }
        reference(ssl.path("client").get("ca"), "client.ca");
    }

    private static void reference(JsonNode value, String name) {
        if (isReference(value)) {
            try {
                SecretReference.parse(value.asText());
            } catch (IllegalArgumentException e) {
                throw AdminException.invalid("property \"" + name + "\" validation failed: " + e.getMessage());
            }
        }
    }

    private static void client(JsonNode client) {
        JsonNode ca = client.get("ca");
        if (!isReference(ca)) {
            try {
                Pem.decodeCertificates("client.ca", ca.asText());
            } catch (PemException e) {
                throw AdminException.badRequest("failed to validate client_cert: failed to parse cert: " + e.reason());
            }
        }
    }

    /** Inline pairs are parsed and matched now; a pair with a reference is checked when it is resolved. */
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
