package io.github.vaultsni.gateway.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.github.vaultsni.gateway.store.SecretCipher;
import io.github.vaultsni.secret.SecretReference;

import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * The kinds of objects the admin API manages: where they live in the store ({@code /apisix/ssls/1}), what the
 * path and messages call them, how they are validated, and which fields are secret (encrypted at rest, never
 * returned).
 */
public enum Resource {
    SSLS("ssls", "ssl", "/apisix/ssls/", new SslValidator(), List.of("key", "keys")),
    ROUTES("routes", "route", "/apisix/routes/", new RouteValidator(), List.of()),
    UPSTREAMS("upstreams", "upstream", "/apisix/upstreams/", new UpstreamValidator(), List.of()),
    SECRETS("secrets/vault", "secret", "/apisix/secrets/vault/", new SecretValidator(),
            List.of("token", "auth.token", "auth.secret_id"));

    final String path;
    final String singular;
    final String keyPrefix;
    final Validator validator;
    /** Dotted paths of secret fields; a field holding an array has each element treated. */
    private final List<String> secretFields;

    Resource(String path, String singular, String keyPrefix, Validator validator, List<String> secretFields) {
        this.path = path;
        this.singular = singular;
        this.keyPrefix = keyPrefix;
        this.validator = validator;
        this.secretFields = secretFields;
    }

    /** The resource named by an admin path's first segments ({@code ssls}, {@code secrets/vault}). */
    static Optional<Resource> ofPath(String path) {
        for (Resource r : values()) {
            if (path.equals(r.path)) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }

    public String key(String id) {
        return keyPrefix + id;
    }

    /** The {@code id} inside the value: {@code vault/<id>} for secrets, as APISIX stores it. */
    String valueId(String id) {
        return this == SECRETS ? "vault/" + id : id;
    }

    /** Encrypts secret fields that hold a value (references are not secrets and stay readable). */
    void encrypt(ObjectNode value, SecretCipher cipher) {
        transform(value, text -> SecretReference.isReference(text) || SecretCipher.isEncrypted(text) ? text
                : cipher.encrypt(text));
    }

    public void decrypt(ObjectNode value, SecretCipher cipher) {
        transform(value, cipher::decrypt);
    }

    /** Removes secret fields, for answers. */
    void redact(ObjectNode value) {
        for (String field : secretFields) {
            int dot = field.indexOf('.');
            JsonNode parent = dot < 0 ? value : value.get(field.substring(0, dot));
            if (parent instanceof ObjectNode object) {
                object.remove(field.substring(dot + 1));
            }
        }
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
