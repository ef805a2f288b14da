package io.github.vaultsni.metrics;

import io.github.vaultsni.sni.SniHandshakeListener;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code vault_sni_handshakes_total{sni, result}}: full handshakes by the name the client asked for and how they
 * ended. Clients choose the names, so each result keeps at most {@code maxNames} of its own; later names count
 * under {@code sni="other"}, a handshake without SNI under {@code sni=""}. A name seen before is a map read and an
 * adder increment: no lock, no allocation.
 */
final class HandshakeMeter implements SniHandshakeListener {
    static final String OTHER = "other";

    private final Counter counter;
    private final int maxNames;
    private final Map<String, CounterDataPoint>[] byName;
    private final CounterDataPoint[] other;
    private final CounterDataPoint[] none;

    @SuppressWarnings("unchecked")
    HandshakeMeter(Counter counter, int maxNames) {
        this.counter = counter;
        this.maxNames = maxNames;
        Outcome[] outcomes = Outcome.values();
        byName = new Map[outcomes.length];
        other = new CounterDataPoint[outcomes.length];
        none = new CounterDataPoint[outcomes.length];
        for (Outcome outcome : outcomes) {
            byName[outcome.ordinal()] = new ConcurrentHashMap<>();
            other[outcome.ordinal()] = counter.labelValues(OTHER, label(outcome));
            none[outcome.ordinal()] = counter.labelValues("", label(outcome));
        }
    }

    /** The {@code result} label: {@code served}, {@code unknown_name}, {@code protocol_refused}, ... */
    static String label(Outcome outcome) {
        return outcome.name().toLowerCase(Locale.ROOT);
    }

    @Override
    public void handshake(String sni, Outcome outcome) {
        int o = outcome.ordinal();
        if (sni == null) {
            none[o].inc();
            return;
        }
        Map<String, CounterDataPoint> names = byName[o];
        CounterDataPoint point = names.get(sni);
        if (point == null) {
            // Past the cap, a flood of new names counts as "other" without the lock.
            point = names.size() >= maxNames ? other[o] : newName(sni, outcome);
        }
        point.inc();
    }

    /** The data point for a name not seen yet with this outcome: its own while there is room, else "other". */
    private synchronized CounterDataPoint newName(String sni, Outcome outcome) {
        Map<String, CounterDataPoint> names = byName[outcome.ordinal()];
        CounterDataPoint point = names.get(sni);
        if (point != null) {
            return point;
        }
        if (names.size() >= maxNames || sni.equals(OTHER)) {
            return other[outcome.ordinal()];
        }
        point = counter.labelValues(sni, label(outcome));
        names.put(sni, point);
        return point;
    }
}
