package io.github.vaultsni.secret;

/**
 * Hears what a {@link SecretResolver} does, for metrics: the seam between the secret layer and whatever counts
 * (the library's {@code io.github.vaultsni.metrics.VaultSniMetrics}, a gateway's). Every method has an empty
 * default, so an observer implements only what it counts.
 *
 * <p>Called on the thread doing the work (a caller resolving from the cache, a fetch thread): implementations must
 * be quick and thread-safe, must not block, and never see a secret value.
 */
public interface SecretObserver {

    /** A value was answered from the cache while fresh. */
    default void cacheHit(SecretLocation location) {
    }

    /** A value was answered past its TTL (while it is refreshed) or kept through a failed refresh (stale-if-error). */
    default void staleServed(SecretLocation location) {
    }

    /**
     * A read from a secret object's source (one Vault request, with its re-login) ended.
     *
     * @param secretObject {@link SecretLocation#secretObject()}, e.g. {@code vault/quickstart-secret-id}
     * @param failure      null when the source answered with the fields; {@link SecretException.Kind#NOT_FOUND}
     *                     when it answered that nothing is there; else what went wrong
     * @param nanos        how long the read took
     */
    default void read(String secretObject, SecretException.Kind failure, long nanos) {
    }

    /** A value held in the cache could not be refreshed; it is kept (an outage) or dropped (a definite answer). */
    default void refreshFailed(SecretLocation location, SecretException.Kind kind) {
    }
}
