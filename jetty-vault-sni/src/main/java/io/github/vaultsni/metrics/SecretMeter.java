package io.github.vaultsni.metrics;

import io.github.vaultsni.secret.SecretException;
import io.github.vaultsni.secret.SecretLocation;
import io.github.vaultsni.secret.SecretObserver;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;

import java.util.Locale;

/**
 * The secret layer's meters, as a {@link SecretObserver}: Vault reads by secret object and outcome with their
 * duration, cache hits, stale answers and failed refreshes by kind. Secret objects are few (configured), so their
 * labels need no bound.
 */
final class SecretMeter implements SecretObserver {
    private static final double NANOS_PER_SECOND = 1e9;

    private final Counter reads;
    private final Histogram readDuration;
    private final CounterDataPoint hits;
    private final CounterDataPoint staleServed;
    private final Counter refreshFailures;

    SecretMeter(Counter reads, Histogram readDuration, Counter hits, Counter staleServed, Counter refreshFailures) {
        this.reads = reads;
        this.readDuration = readDuration;
        this.hits = hits;
        this.staleServed = staleServed;
        this.refreshFailures = refreshFailures;
    }

    /** The {@code outcome} label of a read: {@code ok}, {@code not_found}, {@code unreachable}, {@code sealed}, ... */
    static String outcome(SecretException.Kind failure) {
        return failure == null ? "ok" : kind(failure);
    }

    static String kind(SecretException.Kind kind) {
        return kind.name().toLowerCase(Locale.ROOT);
    }

    @Override
    public void cacheHit(SecretLocation location) {
        hits.inc();
    }

    @Override
    public void staleServed(SecretLocation location) {
        staleServed.inc();
    }

    @Override
    public void read(String secretObject, SecretException.Kind failure, long nanos) {
        reads.labelValues(secretObject, outcome(failure)).inc();
        readDuration.labelValues(secretObject).observe(nanos / NANOS_PER_SECOND);
    }

    @Override
    public void refreshFailed(SecretLocation location, SecretException.Kind kind) {
        refreshFailures.labelValues(kind(kind)).inc();
    }
}
