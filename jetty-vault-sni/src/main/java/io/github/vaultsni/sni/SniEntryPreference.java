package io.github.vaultsni.sni;

import io.github.vaultsni.pem.CertifiedKey;

import java.time.Instant;
import java.util.Comparator;

/**
 * Chooses between two entries that claim the same name: a one-method seam, like Jetty's {@code SniSelector}.
 * The index asks it once per contested name when it is built, never during a handshake.
 */
@FunctionalInterface
public interface SniEntryPreference {

    /** Negative if {@code a} should serve the name rather than {@code b}, positive if {@code b}; never 0 for distinct entries. */
    int compare(SniEntry a, SniEntry b, Instant now);

    /**
     * The default: an entry whose certificates are all valid now beats one with an expired or not-yet-valid
     * certificate; then the one whose newest certificate was issued last (notBefore); then the smaller id.
     */
    static SniEntryPreference newestValid() {
        return (a, b, now) -> Comparator.<SniEntry, Boolean>comparing(e -> !allValid(e, now))
                .thenComparing(SniEntryPreference::newestNotBefore, Comparator.reverseOrder())
                .thenComparing(SniEntry::id)
                .compare(a, b);
    }

    private static boolean allValid(SniEntry entry, Instant now) {
        return entry.keys().stream().allMatch(k -> k.isValidAt(now));
    }

    private static Instant newestNotBefore(SniEntry entry) {
        return entry.keys().stream().map(CertifiedKey::notBefore).max(Comparator.naturalOrder()).orElse(Instant.MIN);
    }
}
