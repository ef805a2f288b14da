package io.github.vaultsni.registry;

import io.github.vaultsni.issuer.CertificateAuthority;
import io.github.vaultsni.issuer.IssuanceListener;
import io.github.vaultsni.issuer.IssuedCertificateStore;
import io.github.vaultsni.keyless.RemoteSignings;
import io.github.vaultsni.pem.Pem;
import io.github.vaultsni.secret.SecretChangeListener;
import io.github.vaultsni.secret.SecretReference;
import io.github.vaultsni.revocation.ClientRevocation;
import io.github.vaultsni.revocation.ClientRevocations;
import io.github.vaultsni.secret.SecretResolver;
import io.github.vaultsni.sni.SniCertificateIndex;
import io.github.vaultsni.sni.SniCertificates;
import io.github.vaultsni.sni.SniEntry;
import io.github.vaultsni.sni.SniEntryPreference;
import io.github.vaultsni.sni.SniNames;
import io.github.vaultsni.sni.SniPreparation;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.eclipse.jetty.util.component.Dumpable;
import org.eclipse.jetty.util.thread.Scheduler;
import org.eclipse.jetty.util.thread.SerializedExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The SSL objects, each one {@link SslObjectMachine state machine} by id, and the one publisher of what they
 * serve: every change to any machine runs on one serial executor, and the serving snapshot
 * ({@link SniCertificateIndex}, published to {@link SniCertificates}) is derived from all machines' current states,
 * so an id's old and new material never coexist in it, and a replaced or removed object is gone from the same
 * swap that installs its successor. Server objects are served by SNI; client objects ({@code type: client}) are
 * built the same way and handed to upstream clients by id ({@link #entry}), never served.
 *
 * <p>Publishing is coalesced and paced: at once when idle and at most every {@value #PUBLISH_INTERVAL_MILLIS} ms
 * under a stream of changes, each snapshot holding every change made before it began; a status is taken as its
 * snapshot is published. Building (resolving references, parsing PEM, issuing) runs on the executor; nothing here
 * runs on, or waits in, a handshake: a name whose object is being built, or issued on demand, is claimed in the
 * snapshot, and the ClientHello reader parks its connection until the outcome is published.
 *
 * <p>A Jetty {@code LifeCycle}: the constructor assigns; {@link #start()} listens to the resolver and schedules
 * renewals; objects are put once it runs (a change asked of a registry that is not running is refused).
 */
public final class SslObjectRegistry extends ContainerLifeCycle {
    private static final Logger LOG = LoggerFactory.getLogger(SslObjectRegistry.class);
    /** The shortest time between two publications, for changes arriving while one is being built. */
    static final long PUBLISH_INTERVAL_MILLIS = 20;

    private final SecretResolver resolver;
    private final SniCertificates certificates;
    private final Clock clock;
    private final Executor executor;
    private final Scheduler scheduler;
    private final SerializedExecutor serial;
    private final SniEntryPreference preference;
    private final Duration resolveWait;
    private final Duration handover;
    private final Issuance issuance;
    /** The revocation lists of the objects whose client certificates are checked against one. */
    private final ClientRevocations revocations;
    private final RemoteSignings signings;
    /** Runs work that blocks on Vault (issuances, keyless objects' builds): bounded, so a hanging Vault holds few threads. */
    private final Executor vaultWork;
    private final AtomicLong generations = new AtomicLong();
    private final SecretChangeListener onSecretChange = this::secretChanged;

    /** By id; changed on the serial executor only, read from any thread. */
    private final Map<String, SslObjectMachine> machines = new ConcurrentHashMap<>();
    // Serial-executor state:
    private final Map<SecretReference, Set<String>> readers = new HashMap<>();
    private final Set<SslObjectMachine> changed = new LinkedHashSet<>();
    private List<Runnable> afterPublication = new ArrayList<>();
    private boolean publicationScheduled;
    private long lastPublicationNanos;
    private String defaultEntryId;
    private String fallbackSni;
    private Scheduler.Task renewals;

    private SslObjectRegistry(Builder b) {
        this.resolver = b.resolver;
        this.certificates = b.certificates;
        this.clock = resolver.clock();
        this.preference = b.preference;
        this.resolveWait = b.resolveWait;
        this.handover = b.handover;
        this.executor = b.executor;
        this.scheduler = resolver.scheduler();
        this.serial = new SerializedExecutor(executor);
        this.vaultWork = b.issuances != null ? b.issuances : executor;
        this.issuance = new Issuance(b.authority, b.issuedCertificates, clock, vaultWork,
                scheduler);
        this.lastPublicationNanos = System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(PUBLISH_INTERVAL_MILLIS);
        this.revocations = new ClientRevocations(resolver, executor, scheduler, clock);
        this.signings = b.signings != null ? b.signings : new RemoteSignings(executor, clock,
                RemoteSignings.DEFAULT_MAX_IN_FLIGHT, RemoteSignings.DEFAULT_DEADLINE);
        addBean(revocations, true);
    }

    /**
     * A registry reading references through {@code resolver}, on its clock and scheduler, building on
     * {@code executor} (a runtime's pool); see the builder for the rest.
     */
    public static Builder builder(SecretResolver resolver, Executor executor) {
        return new Builder(resolver, executor);
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        resolver.addListener(onSecretChange);
        executor.execute(Pem::warmUp);
        renewals = scheduler.schedule(this::renewalTick, 1, TimeUnit.SECONDS);
    }

    @Override
    protected void doStop() throws Exception {
        resolver.removeListener(onSecretChange);
        if (renewals != null) {
            renewals.cancel();
        }
        super.doStop();
    }

    private void renewalTick() {
        if (!isRunning()) {
            return;
        }
        try {
            renewDue();
        } catch (RuntimeException e) {
            LOG.warn("issued certificate renewal tick failed: {}", e.toString());
        }
        renewals = scheduler.schedule(this::renewalTick, 1, TimeUnit.SECONDS);
    }

    /**
     * Adds or replaces an object. The future completes once the object has reached its first outcome (built,
     * issued, failed, disabled) and the snapshot holding it is served, with its status. Putting the same spec
     * again changes nothing.
     */
    public CompletableFuture<SniEntryStatus> put(SniEntrySpec spec) {
        Objects.requireNonNull(spec, "spec");
        requireRunning();
        CompletableFuture<SniEntryStatus> result = new CompletableFuture<>();
        serially(() -> {
            SslObjectMachine previous = machines.get(spec.id());
            if (previous != null && previous.spec.equals(spec) && previous.published().state() != SniEntryStatus.State.FAILED) {
                previous.whenSettled(result);
                return;
            }
            SslObjectMachine machine = spec.issuer() != null ? new IssuedObject(spec, this, now()) : new PemObject(spec, this, now());
            if (previous != null) {
                if (spec.enabled() && spec.type() == previous.spec.type() && !handover.isZero()) {
                    machine.inherit(spec.type() == SniEntrySpec.Type.SERVER ? previous.served()
                            : previous.entry() == null ? List.of() : List.of(previous.entry()));
                    scheduler.schedule(() -> serially(machine::handoverOver), handover.toMillis(), TimeUnit.MILLISECONDS);
                }
                forget(previous);
            }
            machines.put(spec.id(), machine);
            watch(machine);
            machine.whenSettled(result);
            changed(machine);
            machine.start(previous);
        });
        return result;
    }

    /** Stops serving an object; the future completes once a snapshot without it is served. */
    public CompletableFuture<Void> remove(String id) {
        requireRunning();
        CompletableFuture<Void> result = new CompletableFuture<>();
        serially(() -> {
            SslObjectMachine machine = machines.remove(id);
            if (machine != null) {
                forget(machine);
                machine.delete();
                requestPublication();
            }
            afterNextPublication(() -> result.complete(null));
        });
        return result;
    }

    private void forget(SslObjectMachine machine) {
        machine.remove();
        changed.remove(machine);
        for (String reference : machine.references()) {
            readers.computeIfPresent(SecretReference.parse(reference),
                    (key, ids) -> ids.remove(machine.spec.id()) && ids.isEmpty() ? null : ids);
        }
    }

    private void watch(SslObjectMachine machine) {
        for (String reference : machine.references()) {
            readers.computeIfAbsent(SecretReference.parse(reference), r -> new HashSet<>()).add(machine.spec.id());
        }
    }

    /** The revocation lists of the objects that check client certificates against one; their machines own them. */
    ClientRevocations clientRevocations() {
        return revocations;
    }

    /** The bounds of keyless objects' signatures, which their handshakes wait for. */
    public RemoteSignings signings() {
        return signings;
    }

    /** How SSL object {@code id}'s served revocation list stands ({@link ClientRevocation#toMap()}), if it checks one. */
    public Optional<Map<String, Object>> revocationStatus(String id) {
        return entry(id).map(SniEntry::clientRevocation).filter(ClientRevocation.class::isInstance)
                .map(revocation -> ((ClientRevocation) revocation).toMap());
    }

    /** How many client certificates each SSL object refused as revoked, by id (objects that check a list). */
    public Map<String, Long> revokedClientCertificates() {
        return revocations.refusedRevoked();
    }


    /** Where this registry publishes what is served. */
    public SniCertificates certificates() {
        return certificates;
    }

    /** The resolver this registry reads references through. */
    public SecretResolver resolver() {
        return resolver;
    }

    /** The object served to clients that send no SNI; null for none (they are refused). */
    public CompletableFuture<Void> setDefaultEntry(String id) {
        return change(() -> defaultEntryId = id);
    }

    /**
     * The name whose certificate is served to clients that send no SNI, as APISIX's
     * {@code apisix.ssl.fallback_sni} (looked up as an SNI: exact, wildcard, {@code *}); null for none. A
     * {@linkplain #setDefaultEntry default entry}, when set, comes first.
     */
    public CompletableFuture<Void> setFallbackSni(String name) {
        String normalised = name == null || name.isBlank() ? null : SniNames.normalize(name.strip());
        return change(() -> fallbackSni = normalised);
    }

    private CompletableFuture<Void> change(Runnable change) {
        requireRunning();
        CompletableFuture<Void> published = new CompletableFuture<>();
        serially(() -> {
            change.run();
            afterNextPublication(() -> published.complete(null));
        });
        return published;
    }

    /** The built entry of {@code id} while it is served (a client object: while it is built), whatever its type. */
    public Optional<SniEntry> entry(String id) {
        SslObjectMachine machine = machines.get(id);
        return machine == null ? Optional.empty() : Optional.ofNullable(machine.entryNow());
    }

    /** The object as configured, whatever its state. */
    public Optional<SniEntrySpec> spec(String id) {
        return Optional.ofNullable(machines.get(id)).map(m -> m.spec);
    }

    /** Every object's status as last published, by id. */
    public List<SniEntryStatus> status() {
        return machines.values().stream().map(SslObjectMachine::published)
                .sorted(Comparator.comparing(SniEntryStatus::id)).toList();
    }

    public Optional<SniEntryStatus> status(String id) {
        return Optional.ofNullable(machines.get(id)).map(SslObjectMachine::published);
    }

    /**
     * Keeps issued certificates in {@code store} from now on (a registry built by another part, such as the
     * {@code vault-sni} module's, given the gateway WAR's configuration store). Set before objects with an issuer
     * are put: certificates already obtained stay where they were kept.
     */
    public void useIssuedCertificates(IssuedCertificateStore store) {
        issuance.useStore(Objects.requireNonNull(store, "store"));
    }

    /** From now on, {@code listener} hears each certificate obtained for an object with an issuer, or failed. */
    public void addIssuanceListener(IssuanceListener listener) {
        issuance.addListener(Objects.requireNonNull(listener, "listener"));
    }

    public void removeIssuanceListener(IssuanceListener listener) {
        issuance.removeListener(listener);
    }

    /**
     * Renews the issued certificates that are due, retries failed issuances whose backoff has passed, and stops
     * serving expired ones, by this registry's clock (done every second while running); the future completes when
     * the renewals started are served or have failed.
     */
    public CompletableFuture<Void> renewDue() {
        requireRunning();
        CompletableFuture<Void> done = new CompletableFuture<>();
        serially(() -> {
            Instant now = now();
            List<CompletableFuture<Void>> started = new ArrayList<>();
            machines.values().forEach(machine -> started.add(machine.renewDue(now)));
            CompletableFuture.allOf(started.toArray(CompletableFuture[]::new)).whenComplete((ok, failure) -> done.complete(null));
        });
        return done;
    }

    /** Changes are taken from the start of {@link #start()} to the end of {@link #stop()}: not before, not after. */
    private void requireRunning() {
        if (!isRunning()) {
            throw new IllegalStateException("the SSL object registry is " + getState() + ": start it first");
        }
    }

    /** A referenced value changed: the objects reading it are told. */
    private void secretChanged(SecretReference reference) {
        serially(() -> {
            Set<String> ids = readers.get(reference);
            if (ids != null) {
                for (String id : List.copyOf(ids)) {
                    SslObjectMachine machine = machines.get(id);
                    if (machine != null) {
                        machine.secretChanged(reference);
                    }
                }
            }
        });
    }

    // For the machines.

    /** Runs {@code change} on the serial executor, after every change asked for before it. */
    void serially(Runnable change) {
        serial.execute(() -> {
            try {
                change.run();
            } catch (RuntimeException e) {
                LOG.error("certificate registry change failed", e);
            }
        });
    }

    Executor executor() {
        return executor;
    }

    /** Where work that blocks on Vault runs: the issuances' executor. */
    Executor vaultWork() {
        return vaultWork;
    }

    Issuance issuance() {
        return issuance;
    }

    Duration resolveWait() {
        return resolveWait;
    }

    Instant now() {
        return clock.instant();
    }

    long nextGeneration() {
        return generations.incrementAndGet();
    }

    /** {@code machine}'s state changed: a publication will hold it. Serial. */
    void changed(SslObjectMachine machine) {
        if (machines.get(machine.spec.id()) == machine) {
            changed.add(machine);
        }
        requestPublication();
    }

    /** Runs {@code action} once the next snapshot is published. Serial. */
    void afterNextPublication(Runnable action) {
        afterPublication.add(action);
        requestPublication();
    }

    private void requestPublication() {
        if (publicationScheduled) {
            return;
        }
        publicationScheduled = true;
        long due = lastPublicationNanos + TimeUnit.MILLISECONDS.toNanos(PUBLISH_INTERVAL_MILLIS) - System.nanoTime();
        if (due <= 0) {
            serially(this::publish);
        } else {
            scheduler.schedule(() -> serially(this::publish), due, TimeUnit.NANOSECONDS);
        }
    }

    /** Builds the snapshot from every machine's state and serves it; then statuses and waiters. Serial. */
    private void publish() {
        publicationScheduled = false;
        lastPublicationNanos = System.nanoTime();
        Instant now = now();
        boolean published;
        try {
            certificates.publish(snapshot(now));
            published = true;
        } catch (RuntimeException e) {
            LOG.error("cannot publish the certificate index", e);
            published = false;
        }
        if (published) { // a status never says more than clients see
            for (SslObjectMachine machine : changed) {
                try {
                    machine.publish(now);
                } catch (RuntimeException e) {
                    LOG.error("cannot take the status of SSL object {}", machine.spec.id(), e);
                }
            }
            changed.clear();
        }
        List<Runnable> actions = afterPublication;
        afterPublication = new ArrayList<>();
        for (Runnable action : actions) {
            try {
                action.run();
            } catch (RuntimeException e) {
                LOG.error("after a publication", e);
            }
        }
    }

    private SniCertificateIndex snapshot(Instant now) {
        List<SniEntry> served = new ArrayList<>();
        Map<String, SniPreparation> exact = new HashMap<>();
        Map<String, SniPreparation> wildcard = new HashMap<>();
        SniPreparation[] any = new SniPreparation[1];
        for (SslObjectMachine machine : machines.values()) {
            if (machine.spec.type() == SniEntrySpec.Type.SERVER && machine.spec.enabled()) {
                served.addAll(machine.servedNow());
                machine.claim(exact, wildcard, any);
            }
        }
        return SniCertificateIndex.build(served, defaultEntryId, preference, now).withFallbackSni(fallbackSni)
                .withClaims(exact, wildcard, any[0]);
    }

    @Override
    public void dump(Appendable out, String indent) throws IOException {
        dumpObjects(out, indent, Dumpable.named("objects", machines.size()),
                Dumpable.named("served", certificates.current().size()));
    }

    @Override
    public String toString() {
        return String.format("%s@%x{%s, %d objects}", getClass().getSimpleName(), hashCode(), getState(), machines.size());
    }

    /**
     * Settings of an {@link SslObjectRegistry}: each has a default, stated on its setter, but the resolver and the
     * executor. A runtime ({@code VaultSniRuntime}) passes one executor, scheduler and clock to all of its parts.
     */
    public static final class Builder {
        private final SecretResolver resolver;
        private final Executor executor;
        private SniCertificates certificates = new SniCertificates();
        private SniEntryPreference preference = SniEntryPreference.newestValid();
        private Duration resolveWait = Duration.ofSeconds(3);
        private Duration handover = Duration.ofMillis(100);
        private CertificateAuthority authority = (issuer, names) -> {
            throw new IllegalStateException("no certificate authority is configured to issue for " + names);
        };
        private IssuedCertificateStore issuedCertificates = IssuedCertificateStore.inMemory();
        private Executor issuances;
        private RemoteSignings signings;

        private Builder(SecretResolver resolver, Executor executor) {
            this.resolver = Objects.requireNonNull(resolver, "resolver");
            this.executor = Objects.requireNonNull(executor, "executor");
        }

        /**
         * Runs issuances and their store's reads and writes, which block on Vault and the configuration store: give
         * one that bounds how many run at once (a runtime does). Default: the registry's executor.
         */
        public Builder issuances(Executor issuances) {
            this.issuances = Objects.requireNonNull(issuances, "issuances");
            return this;
        }

        /**
         * Bounds keyless objects' signatures. Default: {@value RemoteSignings#DEFAULT_MAX_IN_FLIGHT} at once on the
         * registry's executor, each waited for 2 s.
         */
        public Builder signings(RemoteSignings signings) {
            this.signings = Objects.requireNonNull(signings, "signings");
            return this;
        }

        /** Where the snapshots are published (the TLS connectors read it). Default: a new {@link SniCertificates}. */
        public Builder certificates(SniCertificates certificates) {
            this.certificates = Objects.requireNonNull(certificates, "certificates");
            return this;
        }

        /** Which of two objects claiming a name serves it. Default: {@link SniEntryPreference#newestValid()}. */
        public Builder preference(SniEntryPreference preference) {
            this.preference = Objects.requireNonNull(preference, "preference");
            return this;
        }

        /** How long a handshake for a name whose object is being built waits for it. Default: 3 s. */
        public Builder resolveWait(Duration resolveWait) {
            if (resolveWait.isNegative()) {
                throw new IllegalArgumentException("resolveWait (" + resolveWait + ") must not be negative");
            }
            this.resolveWait = resolveWait;
            return this;
        }

        /**
         * How long a replacement serves what the object it replaces served while it is first built. Default: 100 ms,
         * so a rotation of inline PEM or of cached references swaps old for new with no handshake refused between;
         * a replacement built more slowly serves nothing once it has passed. Zero: none.
         */
        public Builder handover(Duration handover) {
            if (handover.isNegative()) {
                throw new IllegalArgumentException("handover (" + handover + ") must not be negative");
            }
            this.handover = handover;
            return this;
        }

        /**
         * Issues certificates for objects with an issuer. Default: none (such objects fail, saying so); a runtime
         * passes Vault's PKI engine.
         */
        public Builder authority(CertificateAuthority authority) {
            this.authority = Objects.requireNonNull(authority, "authority");
            return this;
        }

        /** Where issued certificates are kept. Default: memory (a restart issues them again). */
        public Builder issuedCertificates(IssuedCertificateStore store) {
            this.issuedCertificates = Objects.requireNonNull(store, "store");
            return this;
        }

        public SslObjectRegistry build() {
            return new SslObjectRegistry(this);
        }
    }
}
