package io.github.vaultsni.gateway.admin;

import io.github.vaultsni.registry.SniEntryStatus;
import io.github.vaultsni.registry.SslObjectRegistry;
import io.github.vaultsni.secret.SecretObjectStatus;

import java.util.Map;
import java.util.Optional;

/**
 * Where the admin API learns how the objects it stores are doing, beyond APISIX: whether and why an SSL object is
 * served ({@code GET /ssls/{id}/status}), and whether a Vault secret object reaches its Vault and how it
 * authenticates ({@code GET /secrets/vault/{id}/status}). The certificate registry and its resolver know; the
 * store does not.
 */
public interface ObjectStatuses {

    /** Knows nothing: for an admin API without a registry (tests of the API alone). */
    ObjectStatuses NONE = new ObjectStatuses() {
        @Override
        public Optional<SniEntryStatus> ssl(String id) {
            return Optional.empty();
        }

        @Override
        public Optional<SecretObjectStatus> vaultSecret(String id) {
            return Optional.empty();
        }
    };

    /** What is known of the SSL object {@code id}; empty before it has been applied. */
    Optional<SniEntryStatus> ssl(String id);

    /** How SSL object {@code id}'s client revocation list stands; empty when it checks none. */
    default Optional<Map<String, Object>> sslRevocation(String id) {
        return Optional.empty();
    }

    /** How the secret object {@code vault/<id>} stands; empty before it has been applied. */
    Optional<SecretObjectStatus> vaultSecret(String id);

    /** The statuses {@code registry} and its resolver keep. */
    static ObjectStatuses of(SslObjectRegistry registry) {
        return new ObjectStatuses() {
            @Override
            public Optional<SniEntryStatus> ssl(String id) {
                return registry.status(id);
            }

            @Override
            public Optional<Map<String, Object>> sslRevocation(String id) {
                return registry.revocationStatus(id);
            }

            @Override
            public Optional<SecretObjectStatus> vaultSecret(String id) {
                return registry.resolver().secretObjects().stream()
                        .filter(s -> s.secretObject().equals("vault/" + id)).findFirst();
            }
        };
    }
}
