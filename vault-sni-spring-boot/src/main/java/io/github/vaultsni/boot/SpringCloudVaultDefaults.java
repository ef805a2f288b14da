package io.github.vaultsni.boot;

import io.github.vaultsni.vault.VaultAuth;
import org.springframework.cloud.vault.config.VaultProperties;

import java.nio.file.Path;

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

    @Override
    public VaultAuth auth() {
        VaultProperties.AuthenticationMethod method = properties.getAuthentication();
        if (method == VaultProperties.AuthenticationMethod.TOKEN && hasText(properties.getToken())) {
            return VaultAuth.token(properties.getToken());
        }
        VaultProperties.AppRoleProperties appRole = properties.getAppRole();
        if (method == VaultProperties.AuthenticationMethod.APPROLE && hasText(appRole.getRoleId())
                && hasText(appRole.getSecretId())) {
            return new VaultAuth.AppRole(appRole.getRoleId(), appRole.getSecretId(), appRole.getAppRolePath());
        }
        VaultProperties.KubernetesProperties kubernetes = properties.getKubernetes();
        if (method == VaultProperties.AuthenticationMethod.KUBERNETES && hasText(kubernetes.getRole())) {
            return new VaultAuth.Kubernetes(kubernetes.getRole(), Path.of(kubernetes.getServiceAccountTokenFile()),
                    VaultAuth.AuthMount.of(kubernetes.getKubernetesPath()));
        }
        throw new IllegalStateException(VaultProperties.PREFIX + ".authentication=" + method + " gives vault-sni "
                + "nothing it can use (a token, an AppRole role-id and secret-id, or a Kubernetes role): set "
                + "vault-sni.vault.token, vault-sni.vault.token-file, vault-sni.vault.app-role.* or vault-sni.vault.auth.*");
    }

    private static boolean hasText(String value) {
        return value != null && !value.isBlank();
    }
}
