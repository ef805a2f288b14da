package io.github.vaultsni.vault;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * Reads a Vault secret object as the admin API and configuration files write it, APISIX's shape plus ours:
 * <pre>{@code
 * {"uri": "http://127.0.0.1:8200", "prefix": "kv/apisix", "token": "...", "namespace": "ns1",
 *  "kv_version": "auto" | 1 | 2,
 *  "auth": {"method": "approle", "role_id": "...", "secret_id": "$env://SECRET_ID", "mount": "approle"},
 *  "tls": {"ca": "-----BEGIN CERTIFICATE-----...", "verify": true},
 *  "timeout": 5}
 * }</pre>
 * Exactly one of {@code token} and {@code auth} is required ({@code auth} may also be
 * {@code {"method": "token", "token": "..."}}). {@code timeout} is in seconds. Errors name the field:
 * {@code "invalid configuration: property \"uri\" is required"}.
 */
public final class VaultSecretObject {
    private static final Set<String> FIELDS =
            Set.of("uri", "prefix", "token", "namespace", "kv_version", "auth", "tls", "timeout", "id");

    private static final Set<String> STORE_FIELDS = Set.of("id", "create_time", "update_time");
    private static final ObjectMapper JSON = new ObjectMapper();

    private VaultSecretObject() {
    }

    /**
     * Reads a secret object as an APISIX admin API stores it: its {@code id}, {@code create_time} and
     * {@code update_time} are the store's, not settings.
     */
    public static VaultSettings fromJson(JsonNode object) {
        Map<String, Object> settings = JSON.convertValue(object, new TypeReference<>() { });
        settings.keySet().removeAll(STORE_FIELDS);
        return parse(settings);
    }

    public static VaultSettings parse(Map<String, ?> object) {
        for (String field : object.keySet()) {
            if (!FIELDS.contains(field)) {
                throw invalid("additional properties forbidden, found " + field);
            }
        }
        VaultSettings.Builder builder;
        try {
            builder = VaultSettings.builder(string(object, "uri", true));
            builder.prefix(string(object, "prefix", false))
                    .namespace(string(object, "namespace", false))
                    .kvVersion(KvVersion.of(object.get("kv_version")))
                    .auth(auth(object));
            if (object.get("tls") != null) {
                Map<String, ?> tls = map(object, "tls");
                builder.caPem(string(tls, "ca", "tls.ca", false));
                if (tls.get("verify") != null) {
                    if (!(tls.get("verify") instanceof Boolean verify)) {
                        throw invalid("property \"tls.verify\" validation failed: wrong type: expected boolean");
                    }
                    builder.verify(verify);
                }
            }
            if (object.get("timeout") != null) {
                if (!(object.get("timeout") instanceof Number seconds) || seconds.doubleValue() <= 0) {
                    throw invalid("property \"timeout\" validation failed: expected a positive number of seconds");
                }
                builder.timeout(Duration.ofMillis((long) (seconds.doubleValue() * 1000)));
            }
        } catch (InvalidConfiguration e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw invalid(e.getMessage()); // the settings' own check (a bad uri, say), worded as APISIX's
        }
        return builder.build();
    }

    private static VaultAuth auth(Map<String, ?> object) {
        String token = string(object, "token", false);
        if (object.get("auth") == null) {
            if (token == null) {
                throw invalid("property \"token\" is required");
            }
            return VaultAuth.token(token);
        }
        if (token != null) {
            throw invalid("only one of \"token\" and \"auth\" may be given");
        }
        Map<String, ?> auth = map(object, "auth");
        String method = string(auth, "method", "auth.method", true);
        return switch (method) {
            case "token" -> VaultAuth.token(string(auth, "token", "auth.token", true));
            case "approle" -> new VaultAuth.AppRole(string(auth, "role_id", "auth.role_id", true),
                    string(auth, "secret_id", "auth.secret_id", true),
                    auth.get("mount") == null ? "approle" : string(auth, "mount", "auth.mount", true));
            default -> throw invalid("property \"auth.method\" validation failed: matches none of the enum values "
                    + "(token, approle)");
        };
    }

    private static String string(Map<String, ?> object, String field, boolean required) {
        return string(object, field, field, required);
    }

    /** {@code name} is how errors call the field: {@code auth.role_id} for {@code role_id} inside {@code auth}. */
    private static String string(Map<String, ?> object, String field, String name, boolean required) {
        Object value = object.get(field);
        if (value == null) {
            if (required) {
                throw invalid("property \"" + name + "\" is required");
            }
            return null;
        }
        if (!(value instanceof String text)) {
            throw invalid("property \"" + name + "\" validation failed: wrong type: expected string");
        }
        if (required && text.isBlank()) {
            throw invalid("property \"" + name + "\" validation failed: string too short, expected at least 1");
        }
        return text;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, ?> map(Map<String, ?> object, String field) {
        if (!(object.get(field) instanceof Map<?, ?> map)) {
            throw invalid("property \"" + field + "\" validation failed: wrong type: expected object");
        }
        return (Map<String, ?>) map;
    }

    private static IllegalArgumentException invalid(String what) {
        return new InvalidConfiguration("invalid configuration: " + what);
    }

    /** A refusal already worded for the admin API. */
    private static final class InvalidConfiguration extends IllegalArgumentException {
        InvalidConfiguration(String message) {
            super(message);
        }
    }
}
