package io.github.vaultsni.gateway.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.github.vaultsni.secret.SecretReference;

import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * The kinds of objects the store keeps, and its key layout, APISIX's: {@code /apisix/ssls/<id>},
 * {@code /apisix/routes/<id>}, {@code /apisix/upstreams/<id>}, {@code /apisix/services/<id>},
 * {@code /apisix/secrets/vault/<id>}, and ours,
 * {@code /apisix/issued/<ssl id>/<unit>} (certificates issued for SSL objects with an issuer, kept by the
 * gateway, never by the admin API); and which of their fields are secret (encrypted at rest, never returned by the
 * admin API). Listed in the order changes of one transaction apply, what a kind refers to first: secrets, SSL
 * objects, upstreams, services, routes, issued certificates.
 */
public enum StoredKind {
    SECRETS("/apisix/secrets/vault/", List.of("token", "auth.token", "auth.secret_id", "auth.key")),
    SSLS("/apisix/ssls/", List.of("key", "keys")),
    UPSTREAMS("/apisix/upstreams/", List.of()),
    SERVICES("/apisix/services/", List.of()),
    ROUTES("/apisix/routes/", List.of()),
    ISSUED("/apisix/issued/", List.of("key"));

    /** The prefix every stored object's key starts with. */
    public static final String ROOT = "/apisix/";

    private final String prefix;
    /** Dotted paths of secret fields; a field holding an array has each element treated. */
    private final List<String> secretFields;

    StoredKind(String prefix, List<String> secretFields) {
        this.prefix = prefix;
        this.secretFields = secretFields;
    }

    /** The key prefix of this kind's objects, e.g. {@code /apisix/ssls/}. */
    public String prefix() {
        return prefix;
    }

    public String key(String id) {
        return prefix + id;
    }

    /** Whether {@code key} names an object of this kind. */
    public boolean holds(String key) {
        return key.startsWith(prefix);
    }

    /** The id in {@code key} (which this kind {@link #holds}). */
    public String idOf(String key) {
        return key.substring(prefix.length());
    }

    /** The kind whose key {@code key} is. */
    public static Optional<StoredKind> ofKey(String key) {
        for (StoredKind kind : values()) {
            if (kind.holds(key)) {
                return Optional.of(kind);
            }
        }
        return Optional.empty();
    }

    /** Encrypts secret fields that hold a value (references are not secrets and stay readable). */
    public void encrypt(ObjectNode value, SecretCipher cipher) {
        transform(value, text -> SecretReference.isReference(text) || SecretCipher.isEncrypted(text) ? text
                : cipher.encrypt(text));
    }

    public void decrypt(ObjectNode value, SecretCipher cipher) {
        transform(value, cipher::decrypt);
    }

    /**
     * Removes the secret fields that hold a value or a ciphertext, for answers. A field holding references only
     * ({@code $secret://}, {@code $env://}) stays: a reference says where a secret is, not what it is, and is what
     * its writer needs to read back.
     */
    public void redact(ObjectNode value) {
        for (String field : secretFields) {
            int dot = field.indexOf('.');
            JsonNode parent = dot < 0 ? value : value.get(field.substring(0, dot));
            String name = field.substring(dot + 1);
            if (parent instanceof ObjectNode object && object.has(name) && !referencesOnly(object.get(name))) {
                object.remove(name);
            }
        }
    }

    private static boolean referencesOnly(JsonNode node) {
        if (node.isTextual()) {
            return SecretReference.isReference(node.asText());
        }
        if (!node.isArray() || node.isEmpty()) {
            return false;
        }
        for (JsonNode element : node) {
            if (!element.isTextual() || !SecretReference.isReference(element.asText())) {
                return false;
            }
        }
        return true;
    }

    private void transform(ObjectNode value, UnaryOperator<String> change) {
        for (String field : secretFields) {
            int dot = field.indexOf('.');
            JsonNode parent = dot < 0 ? value : value.get(field.substring(0, dot));
            String name = field.substring(dot + 1);
            if (!(parent instanceof ObjectNode object) || !object.has(name)) {
                continue;
            }
            JsonNode node = object.get(name);
            if (node.isTextual()) {
                object.set(name, TextNode.valueOf(change.apply(node.asText())));
            } else if (node instanceof ArrayNode array) {
                for (int i = 0; i < array.size(); i++) {
                    if (array.get(i).isTextual()) {
                        array.set(i, TextNode.valueOf(change.apply(array.get(i).asText())));
                    }
                }
            }
        }
    }
}
