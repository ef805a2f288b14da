package io.github.vaultsni.boot;

import io.github.vaultsni.vault.VaultAuth;
import io.github.vaultsni.vault.VaultSecretObject;
import org.springframework.cloud.vault.config.VaultProperties;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Spring Cloud Vault's {@code spring.cloud.vault.*}: its address ({@code uri}, else {@code scheme://host:port}),
 * namespace, and authentication when it is {@code TOKEN}, {@code APPROLE} (with a role-id) or {@code KUBERNETES} (with
 * a role: its service-account token file and mount). Loaded only where
 * Spring Cloud Vault is on the class path.
 */
final class SpringCloudVaultDefaults implements VaultConnectionDefaults {
    private final VaultProperties properties;

    SpringCloudVaultDefaults(VaultProperties properties) {
        this.properties = properties;
    }

    @Override
    public String source() {
        return VaultProperties.PREFIX;
    }

    @Override
    public String uri() {
        String uri = properties.getUri();
        return uri != null && !uri.isBlank() ? uri
                : properties.getScheme() + "://" + properties.getHost() + ":" + properties.getPort();
    }

    @Override
    public String namespace() {
        return properties.getNamespace();
    }

    /** Spring Cloud Vault's authentication as a secret object's {@code auth} block, read by the library's mapping. */
    @Override
    public VaultAuth auth() {
        VaultProperties.AuthenticationMethod method = properties.getAuthentication();
        Map<String, Object> auth = new LinkedHashMap<>();
        VaultProperties.AppRoleProperties appRole = properties.getAppRole();
        VaultProperties.KubernetesProperties kubernetes = properties.getKubernetes();
        if (method == VaultProperties.AuthenticationMethod.TOKEN && hasText(properties.getToken())) {
            auth.putAll(Map.of("method", "token", "token", properties.getToken()));
        } else if (method == VaultProperties.AuthenticationMethod.APPROLE && hasText(appRole.getRoleId())
                && hasText(appRole.getSecretId())) {
            auth.putAll(Map.of("method", "approle", "role_id", appRole.getRoleId(), "secret_id", appRole.getSecretId(),
                    "mount", appRole.getAppRolePath()));
        } else if (method == VaultProperties.AuthenticationMethod.KUBERNETES && hasText(kubernetes.getRole())) {
            auth.putAll(Map.of("method", "kubernetes", "role", kubernetes.getRole(),
                    "jwt_file", kubernetes.getServiceAccountTokenFile(), "mount", kubernetes.getKubernetesPath()));
        }
        if (!auth.isEmpty()) {
            return VaultSecretObject.parseAuth(auth, field -> VaultProperties.PREFIX + " " + field);
        }
        throw new IllegalStateException(VaultProperties.PREFIX + ".authentication=" + method + " gives vault-sni "
                + "nothing it can use (a token, an AppRole role-id and secret-id, or a Kubernetes role): set "
                + "vault-sni.vault.token, vault-sni.vault.token-file, vault-sni.vault.app-role.* or vault-sni.vault.auth.*");
    }

    private static boolean hasText(String value) {
        return value != null && !value.isBlank();
    }
}
