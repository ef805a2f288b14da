package io.github.vaultsni.vault;

import java.util.Objects;

/**
 * How the manager gets its Vault token: a static token, or an AppRole login. Either secret may be written as an
 * {@code $env://} reference, resolved when it is used. {@code toString()} never prints the secret.
 */
public sealed interface VaultAuth {

    /** A static token (APISIX's {@code token}), renewed with renew-self before it expires when it is renewable. */
    static VaultAuth token(String token) {
        return new Token(token);
    }

    /** AppRole login at {@code auth/approle}; the token is renewed, or the login repeated, before it expires. */
    static VaultAuth appRole(String roleId, String secretId) {
        return new AppRole(roleId, secretId, "approle");
    }

    /** A static token. */
    record Token(String token) implements VaultAuth {
        public Token {
            requireText(token, "token");
        }

        @Override
        public String toString() {
            return "token(redacted)";
        }
    }

    /**
     * AppRole credentials.
     *
     * @param roleId   the role_id (an identifier, not a secret)
     * @param secretId the secret_id, or an {@code $env://} reference to it
     * @param mount    where the AppRole auth method is mounted, below {@code auth/}
     */
    record AppRole(String roleId, String secretId, String mount) implements VaultAuth {
        public AppRole {
            requireText(roleId, "role_id");
            requireText(secretId, "secret_id");
            requireText(mount, "mount");
            VaultPath.parseMount(mount, "auth.mount");
        }

        @Override
        public String toString() {
            return "approle(role_id=" + roleId + ", secret_id=redacted, mount=" + mount + ")";
        }
    }

    private static void requireText(String value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be empty");
        }
    }
}
