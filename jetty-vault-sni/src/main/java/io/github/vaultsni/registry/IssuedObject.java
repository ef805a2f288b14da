package io.github.vaultsni.registry;

import io.github.vaultsni.issuer.IssuedCertificate;
import io.github.vaultsni.issuer.IssuedCertificateStore;
import io.github.vaultsni.issuer.IssuerSpec;
import io.github.vaultsni.pem.CertifiedKey;
import io.github.vaultsni.sni.SniEntry;
import io.github.vaultsni.sni.SniPreparation;
import io.github.vaultsni.sni.SniWait;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An SSL object whose certificates are issued ({@link SniEntrySpec#issuer()}): its exact names get one
 * certificate together, obtained when it starts; each name under one of its wildcard SNIs gets its own, obtained
 * when a handshake first asks for it (the connection parked meanwhile, at most {@link IssuerSpec#onDemandWait()},
 * on the one issuance in flight for that name), within the object's cap and rate and while its Vault's breaker
 * is closed. Renewal at two thirds of the lifetime counted from when the certificate was obtained (less a small
 * jitter of the serial), retried with backoff on failure while the current certificate is served until it
 * expires. Its state follows its exact names' certificate (RESOLVING until issued, FAILED if that failed, RENEWING
 * while it renews); an object with only wildcards is ACTIVE from the start. See {@link SslObjectMachine}.
 */
final class IssuedObject extends SslObjectMachine {
    private static final Logger LOG = LoggerFactory.getLogger(IssuedObject.class);
    private static final Duration REFUSAL_LOG_INTERVAL = Duration.ofMinutes(1);
    /** Names whose failed issuance was logged in the last {@link #REFUSAL_LOG_INTERVAL}, oldest first. */
    private final LinkedHashMap<String, Instant> failuresLogged = new LinkedHashMap<>();

    private final IssuerSpec issuer;
    private final Unit exact;
    private final List<String> suffixes = new ArrayList<>();
    /** Units by id; read by connector threads asking what a name waits for, changed on the serial executor. */
    private final Map<String, Unit> units = new ConcurrentHashMap<>();
    /** When new names under wildcards were admitted in the last minute. Guarded by itself. */
    private final Deque<Instant> admitted = new ArrayDeque<>();
    /** When a refusal of a new name was last logged. Guarded by {@link #admitted}. */
    private Instant lastRefusalLogged = Instant.MIN;
    private volatile String lastOnDemandError;
    private final SniPreparation onDemand = new SniPreparation() {
        @Override
        public SniWait prepare(String name) {
            return IssuedObject.this.prepare(name, true);
        }

        @Override
        public void prepareUncounted(String name) {
            IssuedObject.this.prepare(name, false);
        }
    };
    private final SniPreparation waitForExact;

    IssuedObject(SniEntrySpec spec, SslObjectRegistry registry, Instant now) {
        super(spec, registry, now);
        IssuerSpec written = Objects.requireNonNull(spec.issuer(), "issuer");
        this.issuer = written.withinBounds();
        if (!written.pastBounds().isEmpty()) {
            LOG.warn("ssl {} was stored past a bound of this version: {}; served within it", spec.id(),
                    String.join("; ", written.pastBounds()));
        }
        List<String> exactNames = new ArrayList<>();
        for (String sni : spec.snis()) {
            if (sni.startsWith("*.")) {
                suffixes.add(sni.substring(2));
            } else if (!sni.equals("*")) {
                exactNames.add(sni);
            }
        }
        this.exact = exactNames.isEmpty() ? null : new Unit(IssuedCertificateStore.EXACT_NAMES, exactNames, spec.id());
        if (exact != null) {
            units.put(exact.id, exact);
        }
        this.waitForExact = name -> exact == null ? null : exact.waitFor();
    }

    @Override
    void start(SslObjectMachine previous) {
        if (previous instanceof IssuedObject older && spec.enabled()) {
            older.units.values().forEach(this::takeOver);
        }
        if (!spec.enabled()) {
            settled();
        } else if (exact == null || exact.current != null) {
            settled();
        } else {
            obtain(exact);
        }
    }

    /** Takes over a unit of the object this one replaces when its certificate fits (same names and issuer, not expired). */
    private void takeOver(Unit old) {
        IssuedCertificate current = old.current;
        if (current == null) {
            return;
        }
        Unit unit = old.id.equals(IssuedCertificateStore.EXACT_NAMES) ? exact
                : suffixes.contains(old.id.substring(old.id.indexOf('.') + 1)) ? new Unit(old.id, old.names, spec.id() + "/" + old.id)
                : null;
        if (unit == null || !fits(unit, current, registry.now())) {
            return;
        }
        unit.serve(current, entry(unit, old.entry.keys().get(0)), old.renewAt);
        units.put(unit.id, unit);
    }

    private SniEntry entry(Unit unit, CertifiedKey key) {
        return SniEntry.builder(unit.servedId).snis(unit.names).keys(List.of(key)).protocols(spec.protocols())
                .generation(registry.nextGeneration()).build();
    }

    @Override
    List<SniEntry> served() {
        List<SniEntry> served = new ArrayList<>();
        for (Unit unit : units.values()) {
            SniEntry entry = unit.entry;
            if (entry != null) {
                served.add(entry);
            }
        }
        return served;
    }

    @Override
    void claim(Map<String, SniPreparation> exactNames, Map<String, SniPreparation> wildcard, SniPreparation[] any) {
        if (!spec.enabled()) {
            return;
        }
        suffixes.forEach(suffix -> wildcard.putIfAbsent(suffix, onDemand));
        if (exact != null && exact.current == null && exact.inFlight) {
            exact.names.forEach(name -> exactNames.putIfAbsent(name, waitForExact));
        }
    }

    @Override
    SniEntry entry() {
        return exact == null ? null : exact.entry;
    }

    @Override
    boolean settling() {
        return spec.enabled() && exact != null && exact.current == null && exact.failures == 0;
    }

    /**
     * What a handshake for {@code name} under a wildcard waits for; admits the name (and starts its issuance) if new.
     * A refusal is counted when {@code admission} (a connection asked, through the ClientHello reader).
     */
    private SniWait prepare(String name, boolean admission) {
        Unit unit = units.get(name);
        if (unit != null) {
            return unit.waitFor();
        }
        if (removed() || !spec.enabled()) {
            return null;
        }
        String refusal = admit(registry.now());
        if (refusal != null) {
            if (admission) {
                registry.issuance().refused(spec.id()); // each connection counted; logged once a minute (admit)
            }
            lastOnDemandError = name + ": " + refusal;
            registry.serially(() -> registry.changed(this)); // the status says why
            return null;
        }
        Unit created = new Unit(name, List.of(name), spec.id() + "/" + name);
        Unit raced = units.putIfAbsent(name, created);
        if (raced != null) {
            registry.issuance().breaker(issuer).abandon(); // not issued by this call: a probe it took goes back
            return raced.waitFor();
        }
        registry.serially(() -> obtain(created));
        return created.waitFor();
    }

    /** Why a new name under a wildcard is refused now (the cap, the rate, the breaker), or null to admit it. */
    private String admit(Instant now) {
        synchronized (admitted) {
            String refusal = null;
            long onDemandNames = units.size() - (exact == null ? 0 : 1);
            if (onDemandNames >= issuer.maxNames()) {
                refusal = "the object already holds max_names (" + issuer.maxNames() + ") names";
            } else {
                while (!admitted.isEmpty() && !admitted.peekFirst().isAfter(now.minusSeconds(60))) {
                    admitted.removeFirst();
                }
                if (admitted.size() >= issuer.namesPerMinute()) {
                    refusal = "more than names_per_minute (" + issuer.namesPerMinute() + ") new names in the last minute";
                } else if (!registry.issuance().breaker(issuer).admit(now)) {
                    refusal = "Vault (secret object " + issuer.secretObjectId() + ") failed or did not answer; "
                            + "retrying later";
                } else {
                    admitted.addLast(now);
                }
            }
            if (refusal != null && !now.isBefore(lastRefusalLogged.plus(REFUSAL_LOG_INTERVAL))) {
                lastRefusalLogged = now;
                LOG.warn("refusing new names under ssl {}: {} (said once a minute)", spec.id(), refusal);
            }
            return refusal;
        }
    }

    /**
     * Whether a name under a wildcard has had no failure logged in the last minute (then it is noted as logged now): a
     * client asking for a name Vault will not issue, handshake after handshake, gets one line a minute. Serial.
     */
    private boolean shouldLogFailure(String name) {
        Instant now = registry.now();
        Iterator<Map.Entry<String, Instant>> oldest = failuresLogged.entrySet().iterator();
        while (oldest.hasNext() && !oldest.next().getValue().isAfter(now.minus(REFUSAL_LOG_INTERVAL))) {
            oldest.remove();
        }
        return failuresLogged.putIfAbsent(name, now) == null;
    }

    /** Starts the one issuance of {@code unit}, unless one is in flight. Serial. */
    private void obtain(Unit unit) {
        if (removed()) {
            registry.issuance().breaker(issuer).abandon(); // admitted, never asked: a probe it took goes back
            unit.done.complete(null);
            return;
        }
        if (unit.inFlight) {
            return;
        }
        unit.inFlight = true;
        if (unit == exact && exact.current != null) {
            registry.changed(this); // RENEWING
        }
        Instant now = registry.now();
        try {
            registry.issuance().obtain(spec.id(), issuer, unit.id, unit.names, unit.current,
                            certificate -> fits(unit, certificate, now), certificate -> Issuance.due(certificate, now))
                    .whenComplete((obtained, failure) -> registry.serially(() -> settle(unit, obtained, failure)));
        } catch (RuntimeException e) {
            settle(unit, null, e); // the pool refused the work (stopping): said, and retried like any failure
        }
    }

    private void settle(Unit unit, Issuance.Obtained obtained, Throwable failure) {
        unit.inFlight = false;
        List<CompletableFuture<Void>> renewed = List.copyOf(unit.renewals);
        unit.renewals.clear();
        registry.afterNextPublication(() -> renewed.forEach(r -> r.complete(null)));
        if (removed()) {
            unit.done.complete(null);
            return;
        }
        if (failure == null) {
            IssuedCertificate certificate = obtained.certificate();
            unit.serve(certificate, entry(unit, obtained.key()), certificate.renewAt(Issuance.jitter(certificate)));
            unit.failures = 0;
            unit.retryAt = Instant.MIN;
            unit.lastError = null;
            registry.afterNextPublication(() -> unit.done.complete(null));
        } else {
            failed(unit, failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure);
        }
        if (unit == exact) {
            settled();
        } else {
            registry.changed(this);
        }
    }

    private void failed(Unit unit, Throwable cause) {
        unit.failures++;
        unit.lastError = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        unit.retryAt = registry.now().plus(retryBackoff(unit.failures));
        if (unit == exact || shouldLogFailure(unit.names.get(0))) {
            LOG.warn("cannot issue a certificate for {} (ssl {}): {}{}{}", unit.names, spec.id(), unit.lastError,
                    unit.current != null ? "; the current one is served until " + unit.current.notAfter() : "",
                    unit == exact ? "" : " (said once a minute per name)");
        }
        if (unit != exact) {
            lastOnDemandError = unit.names.get(0) + ": " + unit.lastError;
            if (unit.current == null) {
                units.remove(unit.id, unit); // a later handshake may try again, within the rate
            }
        }
        registry.afterNextPublication(() -> unit.done.complete(null)); // handshakes waiting go on, and are refused
    }

    @Override
    CompletableFuture<Void> renewDue(Instant now) {
        if (!spec.enabled() || removed()) {
            return CompletableFuture.completedFuture(null);
        }
        List<CompletableFuture<Void>> started = new ArrayList<>();
        for (Unit unit : units.values()) {
            IssuedCertificate current = unit.current;
            if (current != null && current.expiredAt(now)) {
                LOG.warn("issued certificate {} for {} expired without a renewal: no longer served ({})",
                        current.serial(), current.names(), unit.lastError);
                unit.serve(null, null, Instant.MAX);
                registry.issuance().forget(spec.id(), unit.id);
                registry.changed(this);
                if (unit != exact) {
                    units.remove(unit.id, unit); // its next handshake asks anew, within the cap and the rate
                    continue;
                }
            }
            boolean wanted = unit.current != null ? !now.isBefore(unit.renewAt) : unit == exact;
            if (wanted && !now.isBefore(unit.retryAt) && !unit.inFlight) {
                CompletableFuture<Void> renewed = new CompletableFuture<>();
                unit.renewals.add(renewed);
                started.add(renewed);
                obtain(unit);
            }
        }
        return CompletableFuture.allOf(started.toArray(CompletableFuture[]::new));
    }

    @Override
    void remove() {
        super.remove();
        units.values().forEach(unit -> unit.done.complete(null));
    }

    /**
     * Deleted, not replaced: its stored certificates go too. (A replacement keeps them: its successor takes over
     * those that fit, and the others no longer fit and are overwritten when issued anew.)
     */
    @Override
    void delete() {
        registry.issuance().forgetAll(spec.id());
    }

    /** Whether a certificate was issued for this unit under these settings and has not expired. */
    private boolean fits(Unit unit, IssuedCertificate certificate, Instant now) {
        return certificate.fingerprint().equals(issuer.fingerprint()) && certificate.names().equals(unit.names)
                && !certificate.expiredAt(now);
    }

    @Override
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
                : exact == null ? SniEntryStatus.State.ACTIVE
                : exact.current != null ? (exact.inFlight ? SniEntryStatus.State.RENEWING : SniEntryStatus.State.ACTIVE)
                : exact.lastError != null ? SniEntryStatus.State.FAILED : SniEntryStatus.State.RESOLVING;
        IssuedCertificate main = exact == null ? null : exact.current;
        SniEntryStatus.Builder status = SniEntryStatus.builder(spec.id(), state, now)
                .error(exact != null && exact.lastError != null ? exact.lastError : lastOnDemandError)
                .issued(issued);
        if (earliest != null) {
            status.certificate(main == null ? null : "CN=" + main.names().get(0),
                    main == null ? List.of() : main.names(), earliest, now.isBefore(earliest));
        }
        return status.build();
    }

    /** One certificate's worth of names of the object, and where its issuance stands. */
    private final class Unit {
        final String id;
        final List<String> names;
        final String servedId;
        /** Completes once this unit's first issuance is published, or failed: handshakes parked on it go on. */
        final CompletableFuture<Void> done = new CompletableFuture<>();
        /** Renewals asked by {@link #renewDue}, told when the issuance in flight settles. Serial. */
        final List<CompletableFuture<Void>> renewals = new ArrayList<>();
        volatile IssuedCertificate current;
        volatile SniEntry entry;
        volatile boolean inFlight;
        Instant renewAt = Instant.MAX;
        Instant retryAt = Instant.MIN;
        String lastError;
        int failures;

        Unit(String id, List<String> names, String servedId) {
            this.id = id;
            this.names = List.copyOf(names);
            this.servedId = servedId;
        }

        void serve(IssuedCertificate certificate, SniEntry served, Instant renewAt) {
            this.current = certificate;
            this.entry = served;
            this.renewAt = renewAt;
        }

        /** A wait for the first issuance, or null once it is over. */
        SniWait waitFor() {
            return done.isDone() ? null : new SniWait(spec.id(), done, issuer.onDemandWait());
        }
    }
}
