package io.github.vaultsni.boot;

import io.github.vaultsni.vault.KvVersion;
import io.github.vaultsni.vault.VaultAuth;
import io.github.vaultsni.vault.VaultSecretObject;
import io.github.vaultsni.vault.VaultSettings;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * {@code vault-sni.vault.*} as the library's {@link VaultSettings}, taking the address, namespace and
 * authentication from {@link VaultConnectionDefaults} (Spring Cloud Vault) where the properties leave them unset.
 */
final class VaultConnection {
    /** The token when nothing else gives one, as the {@code vault-sni} Jetty module and Vault's CLI read it. */
    static final String DEFAULT_TOKEN = "$env://VAULT_TOKEN";
    /** How a refusal of the auth settings names each field: as the property that sets it. */
    private static final Map<String, String> PROPERTY_OF_FIELD = Map.ofEntries(
            Map.entry("auth.method", "vault-sni.vault.auth.method"),
            Map.entry("auth.token", "vault-sni.vault.token"),
            Map.entry("auth.token_file", "vault-sni.vault.token-file"),
            Map.entry("auth.role_id", "vault-sni.vault.app-role.role-id"),
            Map.entry("auth.secret_id", "vault-sni.vault.app-role.secret-id"),
            Map.entry("auth.role", "vault-sni.vault.auth.role"),
            Map.entry("auth.name", "vault-sni.vault.auth.name"),
            Map.entry("auth.jwt_file", "vault-sni.vault.auth.jwt-file"),
            Map.entry("auth.cert", "vault-sni.vault.auth.cert"),
            Map.entry("auth.cert_file", "vault-sni.vault.auth.cert-file"),
            Map.entry("auth.key", "vault-sni.vault.auth.key"),
            Map.entry("auth.key_file", "vault-sni.vault.auth.key-file"),
            Map.entry("auth.mount", "vault-sni.vault.auth.mount"),
            Map.entry("auth.namespace", "vault-sni.vault.auth.namespace"));

    private VaultConnection() {
    }

    /**
     * The settings, or empty when no Vault address is known (neither {@code vault-sni.vault.uri} nor defaults).
     *
     * @param defaults null when there are none
     * @throws IllegalArgumentException when a value is unusable, naming the property
     */
    static Optional<VaultSettings> settings(VaultSniProperties.Vault vault, VaultConnectionDefaults defaults) {
        String uri = hasText(vault.uri()) ? vault.uri() : defaults != null ? defaults.uri() : null;
        if (uri == null) {
            return Optional.empty();
        }
        try {
            VaultSettings.Builder builder = VaultSettings.builder(uri)
                    .prefix(vault.prefix())
                    .namespace(hasText(vault.namespace()) || defaults == null ? vault.namespace() : defaults.namespace())
                    .kvVersion(KvVersion.of(vault.kvVersion()))
                    .verify(vault.tls().verify())
                    .timeout(vault.timeout())
                    .auth(auth(vault, defaults));
            if (vault.tls().caFile() != null) {
                builder.caPem(read(vault.tls().caFile(), "vault-sni.vault.tls.ca-file"));
            }
            return Optional.of(builder.build());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("vault-sni.vault: " + e.getMessage(), e);
        }
    }

    /**
     * The properties as a secret object's {@code auth} block, read by the library's one mapping
     * ({@link VaultSecretObject#parseAuth}). With {@code auth.method} set, every other token property set is passed
     * on too, so that one the method does not use is refused, not ignored.
     */
    private static VaultAuth auth(VaultSniProperties.Vault vault, VaultConnectionDefaults defaults) {
        Map<String, Object> auth = vault.auth().toMap();
        VaultSniProperties.AppRole appRole = vault.appRole();
        if (!auth.containsKey("method")) {
            if (hasText(vault.token())) {
                auth.put("method", "token");
            } else if (vault.tokenFile() != null) {
                auth.put("method", "token_file");
            } else if (hasText(appRole.roleId())) {
                auth.put("method", "approle");
            } else if (!auth.isEmpty()) {
                throw new IllegalArgumentException("vault-sni.vault.auth.method is required with the other "
                        + "vault-sni.vault.auth.* properties");
            } else {
                return defaults != null ? defaults.auth() : VaultAuth.token(DEFAULT_TOKEN);
            }
        }
        putIfSet(auth, "token", vault.token());
        putIfSet(auth, "token_file", vault.tokenFile() == null ? null : vault.tokenFile().toString());
        if (hasText(appRole.roleId())) {
            auth.put("role_id", appRole.roleId());
            String secretId = hasText(appRole.secretId()) ? appRole.secretId() : appRole.secretIdFile() != null
                    ? read(appRole.secretIdFile(), "vault-sni.vault.app-role.secret-id-file").trim() : null;
            if (secretId == null) {
                throw new IllegalArgumentException("app-role.role-id is set: app-role.secret-id or "
                        + "app-role.secret-id-file is required");
            }
            auth.put("secret_id", secretId);
            if (!"approle".equals(appRole.mount())) {
                auth.putIfAbsent("mount", appRole.mount());
            }
        }
        return VaultSecretObject.parseAuth(auth, field -> PROPERTY_OF_FIELD.getOrDefault(field, field));
    }

    private static void putIfSet(Map<String, Object> auth, String field, String value) {
        if (hasText(value)) {
            auth.put(field, value);
        }
    }

    private static String read(Path file, String property) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(property + ": cannot read " + file, e);
        }
    }

    private static boolean hasText(String value) {
        return value != null && !value.isBlank();
    }
}
