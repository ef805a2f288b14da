package io.github.vaultsni.sni;

import io.github.vaultsni.issuer.CertificateAuthority;
import io.github.vaultsni.issuer.IssuanceListener;
import io.github.vaultsni.issuer.IssuedCertificate;
import io.github.vaultsni.issuer.IssuedCertificateStore;
import io.github.vaultsni.issuer.IssuerSpec;
import io.github.vaultsni.pem.CertifiedKey;
import io.github.vaultsni.pem.Pem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The entries whose certificates are issued ({@link SniEntrySpec#issuer()}), for the registry: an object's exact
 * names get one certificate together, obtained as soon as the object is put; each name under one of its wildcard
 * SNIs gets its own, obtained on its first handshake (which waits, at most {@link IssuerSpec#onDemandWait()}, on
 * the one issuance in flight for that name), within the object's cap and rate. A stored certificate that still
 * fits is served without asking the authority (a restart, another node of a cluster); a new one is offered to
 * the store, and whatever the store keeps is served. Renewal at two thirds of the lifetime counted from when the
 * certificate was obtained (less a small jitter of the serial), retried with backoff on failure while the current
 * certificate is served until it expires. Everything here runs on the issuance executor; a handshake only waits.
 */
final class IssuedEntries implements OnDemandIssuance {
    private static final Logger LOG = LoggerFactory.getLogger(IssuedEntries.class);
    private static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    private static final Duration LAST_RETRY = Duration.ofMinutes(1);

    /** What the registry serves: entries by id, published before the future completes. */
    interface Served {
        CompletableFuture<Void> serve(SniEntry entry);

        CompletableFuture<Void> unserve(String servedId);
    }

    private final CertificateAuthority authority;
    private volatile IssuedCertificateStore store;
    private final Clock clock;
    private final Executor executor;
    private final Served served;
    private final AtomicLong generations;
    private final Map<String, IssuedObject> objects = new ConcurrentHashMap<>();
    private final List<IssuanceListener> listeners = new CopyOnWriteArrayList<>();

    IssuedEntries(CertificateAuthority authority, IssuedCertificateStore store, Clock clock, Executor executor,
                  Served served, AtomicLong generations) {
        this.authority = authority;
        this.store = store;
        this.clock = clock;
        this.executor = executor;
        this.served = served;
        this.generations = generations;
    }

    void setStore(IssuedCertificateStore store) {
        this.store = store;
    }

    void addListener(IssuanceListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    void removeListener(IssuanceListener listener) {
        listeners.remove(listener);
    }

    private void tell(IssuedObject object, IssuanceListener.Outcome outcome) {
        for (IssuanceListener listener : listeners) {
            listener.issuance(object.spec.id(), outcome);
        }
    }

    /**
     * Starts serving {@code spec} (replacing an object of its id): the future completes once its exact names are
     * served or their issuance failed, with its status.
     */
    CompletableFuture<SniEntryStatus> put(SniEntrySpec spec) {
        IssuedObject object = new IssuedObject(spec);
        IssuedObject previous = objects.put(spec.id(), object);
        List<CompletableFuture<?>> kept = new ArrayList<>();
        if (previous != null) {
            for (Unit old : previous.units.values()) {
                Unit unit = object.successor(old, clock.instant());
                if (unit == null) {
                    served.unserve(old.servedId);
                } else {
                    kept.add(serve(object, unit, unit.current)); // the same certificate, with the new options
                }
            }
        }
        if (!spec.enabled() || object.exact == null || object.exact.current != null) {
            return CompletableFuture.allOf(kept.toArray(CompletableFuture[]::new)).handle((ok, e) -> object.status(clock.instant()));
        }
        return obtain(object, object.exact).handle((ignored, failure) -> object.status(clock.instant()));
    }

    void remove(String id) {
        IssuedObject object = objects.remove(id);
        if (object != null) {
            object.units.values().forEach(u -> served.unserve(u.servedId));
            // Not on the caller's thread, which may be the store's own (a change being delivered).
            executor.execute(() -> store.removeAll(id));
        }
    }

    boolean holds(String id) {
        return objects.containsKey(id);
    }

    Optional<SniEntryStatus> status(String id) {
        return Optional.ofNullable(objects.get(id)).map(object -> object.status(clock.instant()));
    }

    /** Wildcard parents ({@code svc.test} of {@code *.svc.test}) to the issuance serving names below them. */
    Map<String, OnDemandIssuance> onDemand() {
        Map<String, OnDemandIssuance> out = new java.util.HashMap<>();
        objects.values().stream().filter(o -> o.spec.enabled()).sorted(Comparator.comparing(o -> o.spec.id()))
                .forEach(o -> o.suffixes.forEach(suffix -> out.putIfAbsent(suffix, this)));
        return out;
    }

    /**
     * Renews what is due, retries what failed once its backoff has passed, and stops serving what has expired;
     * the future completes when the renewals it started are done.
     */
    CompletableFuture<Void> renewDue() {
        Instant now = clock.instant();
        List<CompletableFuture<?>> started = new ArrayList<>();
        for (IssuedObject object : objects.values()) {
            if (!object.spec.enabled()) {
                continue;
            }
            for (Unit unit : object.units.values()) {
                IssuedCertificate current = unit.current;
                if (current != null && current.expiredAt(now)) {
                    LOG.warn("issued certificate {} for {} expired without a renewal: no longer served ({})",
                            current.serial(), current.names(), unit.lastError);
                    unit.current = null;
                    served.unserve(unit.servedId);
                    store.remove(object.spec.id(), unit.id);
                }
                boolean wanted = unit.current != null ? !now.isBefore(unit.renewAt) : unit == object.exact;
                if (wanted && !now.isBefore(unit.retryAt) && unit.inFlight == null) {
                    started.add(obtain(object, unit).exceptionally(failure -> null));
                }
            }
        }
        return CompletableFuture.allOf(started.toArray(CompletableFuture[]::new));
    }

    /** On a handshake thread: waits, at most the object's on-demand wait, for {@code name} to be served. */
    @Override
    public void await(String name) {
        IssuedObject object = objectFor(name);
        if (object == null) {
            return;
        }
        Duration wait = object.issuer.onDemandWait();
        try {
            onDemand(object, name).get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.warn("refused {}: its certificate was not issued within {} ms", name, wait.toMillis());
        } catch (ExecutionException e) {
            // said where it failed, once
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private IssuedObject objectFor(String name) {
        int dot = name.indexOf('.');
        String suffix = dot < 0 ? null : name.substring(dot + 1);
        return objects.values().stream().filter(o -> o.spec.enabled() && o.suffixes.contains(suffix))
                .min(Comparator.comparing(o -> o.spec.id())).orElse(null);
    }

    /** The issuance of one name under a wildcard: shared while in flight, refused past the cap or the rate. */
    private CompletableFuture<Void> onDemand(IssuedObject object, String name) {
        Unit unit;
        synchronized (object) {
            unit = object.units.get(name);
            if (unit == null) {
                String refusal = object.admit(clock.instant());
                if (refusal != null) {
                    LOG.warn("refused {} for ssl {}: {}", name, object.spec.id(), refusal);
                    object.lastOnDemandError = name + ": " + refusal;
                    return CompletableFuture.failedFuture(new IllegalStateException(refusal));
                }
                unit = new Unit(name, List.of(name), object.spec.id() + "/" + name);
                object.units.put(name, unit);
            }
        }
        if (unit.current != null) {
            return CompletableFuture.completedFuture(null);
        }
        Unit issuing = unit;
        return obtain(object, unit).whenComplete((ok, failure) -> {
            if (failure != null && issuing.current == null) {
                object.units.remove(name, issuing); // a later handshake may try again, within the rate
            }
        });
    }

    /** The one issuance in flight for a unit: adopt a stored certificate that fits, else issue and offer it. */
    private CompletableFuture<Void> obtain(IssuedObject object, Unit unit) {
        synchronized (unit) {
            if (unit.inFlight != null) {
                return unit.inFlight;
            }
            CompletableFuture<Void> flight = CompletableFuture.supplyAsync(() -> fetch(object, unit), executor)
                    .thenCompose(certificate -> serve(object, unit, certificate));
            unit.inFlight = flight;
            flight.whenComplete((ok, failure) -> settled(object, unit, failure));
            return flight;
        }
    }

    /** The certificate to serve: the current one while it is not due, else a stored one that is not, else a new one. */
    private IssuedCertificate fetch(IssuedObject object, Unit unit) {
        Instant now = clock.instant();
        IssuedCertificate current = unit.current;
        if (current != null && object.fits(unit, current, now) && !due(current, now)) {
            return current;
        }
        Optional<IssuedCertificate> stored = store.load(object.spec.id(), unit.id)
                .filter(c -> object.fits(unit, c, now) && !due(c, now));
        if (stored.isPresent()) {
            tell(object, IssuanceListener.Outcome.ADOPTED);
            return stored.get(); // issued by another node, or before a restart
        }
        IssuedCertificate fresh = authority.issue(object.issuer, unit.names);
        LOG.info("issued certificate {} for {} (ssl {}), not after {}", fresh.serial(), fresh.names(),
                object.spec.id(), fresh.notAfter());
        tell(object, IssuanceListener.Outcome.ISSUED);
        return store.offer(object.spec.id(), unit.id, fresh, held -> object.fits(unit, held, now) && !due(held, now));
    }

    private CompletableFuture<Void> serve(IssuedObject object, Unit unit, IssuedCertificate certificate) {
        if (objects.get(object.spec.id()) != object) {
            return CompletableFuture.completedFuture(null); // replaced or removed meanwhile
        }
        CertifiedKey key = Pem.decodeCertifiedKey("issued certificate " + certificate.serial(), certificate.chainPem(),
                "issued key " + certificate.serial(), certificate.keyPem(), null);
        SniEntry entry = new SniEntry(unit.servedId, unit.names, List.of(key), true, object.spec.protocols(), List.of(),
                1, false, generations.incrementAndGet());
        unit.current = certificate;
        unit.renewAt = certificate.renewAt(jitter(certificate));
        return served.serve(entry);
    }

    private void settled(IssuedObject object, Unit unit, Throwable failure) {
        synchronized (unit) {
            unit.inFlight = null;
            if (failure == null) {
                unit.failures = 0;
                unit.retryAt = Instant.MIN;
                unit.lastError = null;
                return;
            }
            Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            unit.failures++;
            unit.lastError = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
            Duration backoff = FIRST_RETRY.multipliedBy(1L << Math.min(unit.failures - 1, 6));
            unit.retryAt = clock.instant().plus(backoff.compareTo(LAST_RETRY) > 0 ? LAST_RETRY : backoff);
            if (unit != object.exact) {
                object.lastOnDemandError = unit.names.get(0) + ": " + unit.lastError;
            }
            LOG.warn("cannot issue a certificate for {} (ssl {}): {}{}", unit.names, object.spec.id(), unit.lastError,
                    unit.current != null ? "; the current one is served until " + unit.current.notAfter() : "");
            tell(object, IssuanceListener.Outcome.FAILED);
        }
    }

    private boolean due(IssuedCertificate certificate, Instant now) {
        return !now.isBefore(certificate.renewAt(jitter(certificate)));
    }

    /** Up to a thirtieth of the lifetime, fixed per certificate (from its serial) so every node agrees on it. */
    private static Duration jitter(IssuedCertificate certificate) {
        long permille = Math.floorMod(certificate.serial().hashCode(), 1000);
        return certificate.lifetime().dividedBy(30).multipliedBy(permille).dividedBy(1000);
    }

    /** One certificate's worth of names of an object and where its issuance stands. */
    private static final class Unit {
        final String id;
        final List<String> names;
        final String servedId;
        volatile IssuedCertificate current;
        volatile Instant renewAt = Instant.MAX;
        volatile Instant retryAt = Instant.MIN;
        volatile String lastError;
        int failures;
        CompletableFuture<Void> inFlight;

        Unit(String id, List<String> names, String servedId) {
            this.id = id;
            this.names = names;
            this.servedId = servedId;
        }
    }

    /** One SSL object with an issuer: its exact names' unit, its wildcard parents, its on-demand names. */
    private static final class IssuedObject {
        final SniEntrySpec spec;
        final IssuerSpec issuer;
        final Unit exact;
        final List<String> suffixes = new ArrayList<>();
        final Map<String, Unit> units = new ConcurrentHashMap<>();
        /** When new on-demand names were admitted in the last minute. Guarded by this. */
        private final Deque<Instant> admitted = new ArrayDeque<>();
        /** The last failed issuance of a name under a wildcard (the unit is dropped, the error kept). */
        volatile String lastOnDemandError;

        IssuedObject(SniEntrySpec spec) {
            this.spec = spec;
            this.issuer = Objects.requireNonNull(spec.issuer(), "issuer");
            List<String> exactNames = new ArrayList<>();
            for (String sni : spec.snis()) {
                if (sni.startsWith("*.")) {
                    suffixes.add(sni.substring(2));
                } else if (!sni.equals("*")) {
                    exactNames.add(sni);
                }
            }
            this.exact = exactNames.isEmpty() ? null
                    : new Unit(IssuedCertificateStore.EXACT_NAMES, List.copyOf(exactNames), spec.id());
            if (exact != null) {
                units.put(exact.id, exact);
            }
        }

        /**
         * This object's unit taking over {@code old}'s certificate from the object it replaces, when the certificate
         * fits it (same names, same issuer settings, not expired); else null.
         */
        Unit successor(Unit old, Instant now) {
            IssuedCertificate current = old.current;
            if (current == null || !spec.enabled()) {
                return null;
            }
            Unit unit = old.id.equals(IssuedCertificateStore.EXACT_NAMES) ? exact
                    : suffixes.contains(old.id.substring(old.id.indexOf('.') + 1)) ? new Unit(old.id, old.names, spec.id() + "/" + old.id)
                    : null;
            if (unit == null || !fits(unit, current, now)) {
                return null;
            }
            unit.current = current;
            unit.renewAt = old.renewAt;
            units.put(unit.id, unit);
            return unit;
        }

        /** Why a new on-demand name is refused now (the cap, the rate), or null to admit it. */
        synchronized String admit(Instant now) {
            long onDemandNames = units.size() - (exact == null ? 0 : 1);
            if (onDemandNames >= issuer.maxNames()) {
                return "the object already holds max_names (" + issuer.maxNames() + ") names";
            }
            while (!admitted.isEmpty() && !admitted.peekFirst().isAfter(now.minusSeconds(60))) {
                admitted.removeFirst();
            }
            if (admitted.size() >= issuer.namesPerMinute()) {
                return "more than names_per_minute (" + issuer.namesPerMinute() + ") new names in the last minute";
            }
            admitted.addLast(now);
            return null;
        }

        /** Whether a certificate was issued for this unit under these settings and has not expired. */
        boolean fits(Unit unit, IssuedCertificate certificate, Instant now) {
            return certificate.fingerprint().equals(issuer.fingerprint()) && certificate.names().equals(unit.names)
                    && !certificate.expiredAt(now);
        }

        SniEntryStatus status(Instant now) {
            List<SniEntryStatus.IssuedName> issued = new ArrayList<>();
            Instant earliest = null;
            for (Unit unit : units.values()) {
                IssuedCertificate current = unit.current;
                if (current != null) {
                    issued.add(new SniEntryStatus.IssuedName(current.names(), current.serial(), current.notAfter(),
                            unit.renewAt));
                    earliest = earliest == null || current.notAfter().isBefore(earliest) ? current.notAfter() : earliest;
                }
            }
            issued.sort(Comparator.comparing(i -> i.names().get(0)));
            SniEntryStatus.State state = !spec.enabled() ? SniEntryStatus.State.DISABLED
                    : exact == null || exact.current != null ? SniEntryStatus.State.ACTIVE
                    : exact.lastError != null ? SniEntryStatus.State.FAILED : SniEntryStatus.State.PENDING;
            IssuedCertificate main = exact == null ? null : exact.current;
            String error = exact != null && exact.lastError != null ? exact.lastError : lastOnDemandError;
            return new SniEntryStatus(spec.id(), state, error, main == null ? null : "CN=" + main.names().get(0),
                    main == null ? List.of() : main.names(), earliest, earliest != null && now.isBefore(earliest),
                    List.of(), now, issued);
        }
    }
}
