package io.github.vaultsni.vault;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a Vault secret object as the admin API and configuration files write it, APISIX's shape plus ours:
 * <pre>{@code
 * {"uri": "http://127.0.0.1:8200", "prefix": "kv/apisix", "token": "...", "namespace": "ns1",
 *  "kv_version": "auto" | 1 | 2,
 *  "auth": {"method": "approle", "role_id": "...", "secret_id": "$env://SECRET_ID", "mount": "approle"},
 *  -- or {"method": "kubernetes", "role": "gateway"}  (jwt_file: the pod's service-account token by default)
 *  -- or {"method": "jwt", "role": "gateway", "jwt_file": "/run/secrets/vault.jwt"}
 *  -- or {"method": "cert", "name": "gateway", "cert_file": "client.crt", "key_file": "client.key"}
 *        (or "cert"/"key": inline PEM or $env:// / $secret:// references)
 *  -- or {"method": "token_file", "token_file": "/run/vault-agent/token"}  (re-read when it changes)
 *  -- each login method also takes "mount" (below auth/, default: its name) and "namespace" (to log in to)
 *  "tls": {"ca": "-----BEGIN CERTIFICATE-----...", "verify": true},
 *  "timeout": 5}
 * }</pre>
 * Exactly one of {@code token} and {@code auth} is required ({@code auth} may also be
 * {@code {"method": "token", "token": "..."}}); {@link #parseAuth} reads {@code auth}. {@code timeout} is in seconds. Errors name the field:
 * {@code "invalid configuration: property \"uri\" is required"}.
 */
public final class VaultSecretObject {
    private static final Set<String> FIELDS =
            Set.of("uri", "prefix", "token", "namespace", "kv_version", "auth", "tls", "timeout", "id");

    private static final Set<String> STORE_FIELDS = Set.of("id", "create_time", "update_time");
    private static final Pattern AUTH_FIELD = Pattern.compile("auth\\.[a-z_]+");
    private static final Set<String> LOGIN_FIELDS = Set.of("method", "mount", "namespace");
    /** Each method's fields, in the order {@code auth.method}'s refusal lists the methods. */
    private static final Map<String, Set<String>> AUTH_FIELDS = authFields();
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
        try {
            VaultSettings.Builder builder = VaultSettings.builder(string(object, "uri", true));
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
            return builder.build();
        } catch (InvalidConfiguration e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw invalid(e.getMessage()); // the settings' own check (a bad uri, say), worded as APISIX's
        }
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
        return parseAuthBlock(map(object, "auth"));
    }

    /**
     * Reads an {@code auth} block: the one mapping of every way a secret object authenticates, which the gateway's
     * admin API, the {@code vault-sni} module's properties and Spring Boot's all go through. A field the method does
     * not use is refused, not ignored.
     *
     * @throws IllegalArgumentException "invalid configuration: ..." naming the field as {@code auth.<field>}
     */
    public static VaultAuth parseAuth(Map<String, ?> auth) {
        return parseAuth(auth, UnaryOperator.identity());
    }

    /**
     * As {@link #parseAuth(Map)}, for settings written elsewhere: a refusal names each field as {@code names} calls
     * it ({@code auth.jwt_file} as {@code vault-sni.vault.auth.jwt-file}, say), so that it names what its reader can
     * set.
     */
    public static VaultAuth parseAuth(Map<String, ?> auth, UnaryOperator<String> names) {
        try {
            return parseAuthBlock(auth);
        } catch (InvalidConfiguration e) {
            Matcher field = AUTH_FIELD.matcher(e.getMessage());
            StringBuilder named = new StringBuilder();
            while (field.find()) {
                field.appendReplacement(named, Matcher.quoteReplacement(names.apply(field.group())));
            }
            field.appendTail(named);
            throw new InvalidConfiguration(named.toString());
        }
    }

    private static VaultAuth parseAuthBlock(Map<String, ?> auth) {
        String method = string(auth, "method", "auth.method", true);
        Set<String> fields = AUTH_FIELDS.get(method);
        if (fields == null) {
            throw invalid("property \"auth.method\" validation failed: matches none of the enum values "
                    + "(" + String.join(", ", AUTH_FIELDS.keySet()) + ")");
        }
        for (String field : auth.keySet()) {
            if (!fields.contains(field) && auth.get(field) != null) {
                throw invalid("property \"auth." + field + "\" is not used by method " + method);
            }
        }
        try {
            return switch (method) {
                case "token" -> VaultAuth.token(authString(auth, "token", true));
                case "token_file" -> new VaultAuth.TokenFile(Path.of(authString(auth, "token_file", true)));
                case "approle" -> new VaultAuth.AppRole(authString(auth, "role_id", true),
                        authString(auth, "secret_id", true), mount(auth, "approle"));
                case "kubernetes" -> new VaultAuth.Kubernetes(authString(auth, "role", true),
                        file(auth, "jwt_file", VaultAuth.KUBERNETES_JWT), mount(auth, "kubernetes"));
                case "jwt" -> new VaultAuth.Jwt(authString(auth, "role", true), file(auth, "jwt_file", null),
                        mount(auth, "jwt"));
                default -> new VaultAuth.Cert(authString(auth, "name", false), source(auth, "cert"),
                        source(auth, "key"), mount(auth, "cert"));
            };
        } catch (InvalidConfiguration e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw invalid(e.getMessage());
        }
    }

    private static String authString(Map<String, ?> auth, String field, boolean required) {
        return string(auth, field, "auth." + field, required);
    }

    private static VaultAuth.AuthMount mount(Map<String, ?> auth, String defaultPath) {
        String path = authString(auth, "mount", false);
        return new VaultAuth.AuthMount(path == null || path.isBlank() ? defaultPath : path,
                authString(auth, "namespace", false));
    }

    private static Path file(Map<String, ?> auth, String field, Path defaultFile) {
        String file = authString(auth, field, defaultFile == null);
        return file == null ? defaultFile : Path.of(file);
    }

    /** {@code cert} (inline PEM or a reference) or {@code cert_file}: exactly one. */
    private static VaultAuth.Source source(Map<String, ?> auth, String field) {
        String value = authString(auth, field, false);
        String file = authString(auth, field + "_file", false);
        if ((value == null) == (file == null)) {
            throw invalid("exactly one of \"auth." + field + "\" and \"auth." + field + "_file\" is required");
        }
        return value != null ? VaultAuth.Source.value(value) : VaultAuth.Source.file(Path.of(file));
    }

    private static Map<String, Set<String>> authFields() {
        Map<String, Set<String>> fields = new LinkedHashMap<>();
        fields.put("token", Set.of("method", "token"));
        fields.put("token_file", Set.of("method", "token_file"));
        fields.put("approle", with(LOGIN_FIELDS, "role_id", "secret_id"));
        fields.put("kubernetes", with(LOGIN_FIELDS, "role", "jwt_file"));
        fields.put("jwt", with(LOGIN_FIELDS, "role", "jwt_file"));
        fields.put("cert", with(LOGIN_FIELDS, "name", "cert", "key", "cert_file", "key_file"));
        return Collections.unmodifiableMap(fields);
    }

    private static Set<String> with(Set<String> base, String... more) {
        Set<String> out = new HashSet<>(base);
        out.addAll(List.of(more));
        return Set.copyOf(out);
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
