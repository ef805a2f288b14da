package io.github.vaultsni.boot.actuate;

import io.github.vaultsni.registry.SslObjectRegistry;
import io.github.vaultsni.registry.SniEntryStatus;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@code vaultSni} in {@code /actuator/health}: DOWN when any certificate entry is FAILED (its references could
 * not be resolved, e.g. Vault unreachable past {@code vault-sni.cache.max-stale}, its PEM is bad, or its issuer
 * has not issued it a certificate), UNKNOWN while one is still being built for the first time, else UP. Within
 * max-stale the last good values are served, so an outage that short stays UP; an issued certificate needs Vault
 * only to be renewed, and stays UP, its last issuance error in the details, until it expires. The details list
 * each entry's state, and its error and not-after when it has them; they never hold a secret (errors name
 * references and causes only).
 */
public final class VaultSniHealthIndicator implements HealthIndicator {
    private final SslObjectRegistry registry;

    public VaultSniHealthIndicator(SslObjectRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    @Override
    public Health health() {
        List<SniEntryStatus> statuses = registry.status();
        Health.Builder health = statuses.stream().anyMatch(s -> s.state() == SniEntryStatus.State.FAILED) ? Health.down()
                : statuses.stream().anyMatch(s -> s.state() == SniEntryStatus.State.RESOLVING) ? Health.unknown()
                : Health.up();
        Map<String, Object> certificates = new LinkedHashMap<>();
        for (SniEntryStatus status : statuses) {
            Map<String, Object> detail = new LinkedHashMap<>();
            detail.put("state", status.state().name());
            if (status.error() != null) {
                detail.put("error", status.error());
            }
            if (status.notAfter() != null) {
                detail.put("notAfter", status.notAfter().toString());
            }
            certificates.put(status.id(), detail);
        }
        return health.withDetail("certificates", certificates).build();
    }
}
