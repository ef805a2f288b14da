package io.github.vaultsni.gateway.admin;

import io.github.vaultsni.registry.SniEntryStatus;

import java.util.Optional;

/**
 * Where the admin API learns whether and why an SSL object is served ({@code GET /ssls/{id}/status}): the
 * certificate registry, which builds what the store holds.
 */
@FunctionalInterface
public interface SslStatuses {

    /** What is known of the SSL object {@code id}; empty before it has been applied. */
    Optional<SniEntryStatus> status(String id);
}
