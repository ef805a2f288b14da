package io.github.vaultsni.boot.actuate;

import io.github.vaultsni.registry.SniBindings;
import io.github.vaultsni.registry.SslObjectRegistry;
import io.github.vaultsni.registry.SniEntryStatus;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One gauge per bound certificate entry, {@value #NOT_AFTER} tagged {@code ssl} (the id, as the module and gateway label it): the earliest not-after of its
 * certificates, in seconds since the epoch ({@code vault_sni_certificate_not_after_seconds} in Prometheus), NaN
 * while it is not served. Read when scraped, so a rotation shows at the next scrape; gauges come and go with the
 * entries bound ({@link SniBindings.Listener}).
 */
public final class CertificateExpiryGauges implements MeterBinder, AutoCloseable {
    public static final String NOT_AFTER = "vault.sni.certificate.not.after";
    private final SniBindings bindings;
    private final List<SniBindings.Listener> bound = new CopyOnWriteArrayList<>();

    public CertificateExpiryGauges(SniBindings bindings) {
        this.bindings = Objects.requireNonNull(bindings, "bindings");
    }

    @Override
    public void bindTo(MeterRegistry meters) {
        Gauges gauges = new Gauges(meters, bindings.registry());
        bound.add(gauges);
        bindings.addListener(gauges);
    }

    /** Stops following the bindings (the context closes): its meter registries are closed with it. */
    @Override
    public void close() {
        bound.forEach(bindings::removeListener);
        bound.clear();
    }

    /** The gauges of one meter registry, kept in step with the bound ids. */
    private static final class Gauges implements SniBindings.Listener {
        private final MeterRegistry meters;
        private final SslObjectRegistry registry;
        private final Map<String, Gauge> gauges = new HashMap<>();

        Gauges(MeterRegistry meters, SslObjectRegistry registry) {
            this.meters = meters;
            this.registry = registry;
        }

        @Override
        public synchronized void boundIdsChanged(Set<String> ids) {
            for (String gone : new HashSet<>(gauges.keySet())) {
                if (!ids.contains(gone)) {
                    meters.remove(gauges.remove(gone));
                }
            }
            for (String id : ids) {
                gauges.computeIfAbsent(id, this::register);
            }
        }

        private Gauge register(String id) {
            return Gauge.builder(NOT_AFTER, registry, r -> notAfter(r, id))
                    .tag("ssl", id)
                    .baseUnit("seconds")
                    .description("The earliest not-after of the entry's certificates, seconds since the epoch")
                    .register(meters);
        }

        private static double notAfter(SslObjectRegistry registry, String id) {
            return registry.status(id).map(SniEntryStatus::notAfter).map(t -> (double) t.getEpochSecond())
                    .orElse(Double.NaN);
        }
    }
}
