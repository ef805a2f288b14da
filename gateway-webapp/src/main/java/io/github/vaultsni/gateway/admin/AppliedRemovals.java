package io.github.vaultsni.gateway.admin;

import java.time.Duration;

/**
 * Waits until the removals written up to a store revision have left what this node serves: a DELETE of an SSL object
 * is answered once its certificate is no longer served here, not merely once the change is handed over.
 */
@FunctionalInterface
public interface AppliedRemovals {
    /** Nothing to wait for (an admin API with no certificate registry behind it). */
    AppliedRemovals NONE = (revision, timeout) -> { };

    /** Returns once every removal up to {@code revision} has been applied, or {@code timeout} has passed. */
    void await(long revision, Duration timeout);
}
