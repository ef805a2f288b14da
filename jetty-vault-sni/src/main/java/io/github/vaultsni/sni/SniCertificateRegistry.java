package io.github.vaultsni.sni;

import io.github.vaultsni.issuer.IssuanceListener;
import io.github.vaultsni.issuer.IssuedCertificateStore;
import io.github.vaultsni.issuer.VaultPkiAuthority;
import io.github.vaultsni.pem.CertifiedKey;
import io.github.vaultsni.pem.Pem;
import io.github.vaultsni.secret.SecretChangeListener;
import io.github.vaultsni.secret.SecretException;
import io.github.vaultsni.secret.SecretReference;
import io.github.vaultsni.secret.SecretResolver;
import io.github.vaultsni.vault.VaultSecretManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Turns configured entries ({@link SniEntrySpec}) into served ones. For each entry it resolves the references
 * through the {@link SecretResolver}, parses the PEM, and publishes a new {@link SniCertificateIndex} to
 * {@link SniCertificates}; all of it off the handshake path. When the resolver reports that a referenced
 * value changed, the entries reading it are rebuilt (rotation). While Vault is down the resolver keeps
 * answering with the last good values, so entries keep being served; an entry whose values cannot be had or do
 * not parse is not served, and its {@link SniEntryStatus} and one log line say why.
 *
 * <p>Publishing is coalesced and paced: one thread publishes, at once when idle and at most every
 * {@value #PUBLISH_INTERVAL_MILLIS} ms under a stream of changes, each index holding every change made before it
 * began. A bulk load (a start with thousands of stored entries) so makes a few dozen indexes, not one per entry,
 * whose building would grow with the square of the entries.
 */
public final class SniCertificateRegistry implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SniCertificateRegistry.class);
    /** The shortest time between two publications, for changes arriving while one is being built. */
    static final long PUBLISH_INTERVAL_MILLIS = 20;

    /** One configured entry: its spec and where it stands. The build token tells a stale build from the latest. */
    private record Slot(SniEntrySpec spec, long token, SniEntryStatus status) {
    }

    private final SecretResolver resolver;
    private final SniCertificates certificates;
    private final Clock clock;
    private final SniEntryPreference preference;
    private final Map<String, Slot> slots = new ConcurrentHashMap<>();
    private final Map<String, SniEntry> served = new ConcurrentHashMap<>();
    private final Map<SecretReference, Set<String>> readers = new ConcurrentHashMap<>();
    private final AtomicLong tokens = new AtomicLong();
    /**
     * Orders changes to what is served: a build's "still the latest?" check and its change, against puts and
     * removes, so a build finishing just as its entry is removed or disabled cannot serve it again.
     */
    private final Object servedLock = new Object();
    private final Object publishLock = new Object();
    /** The publication that will include changes made now; null when none is scheduled. Guarded by publishLock. */
    private CompletableFuture<Void> nextPublication;
    private long lastPublicationNanos;
    private final ExecutorService builders;
    private final ScheduledExecutorService publisher;
    private volatile Thread publisherThread;
    private final SecretChangeListener onSecretChange = this::secretChanged;
    private volatile String defaultEntryId;
    private volatile String fallbackSni;
    private final ExecutorService issuers;
    private final ScheduledExecutorService renewals;
    private final IssuedEntries issued;

    public SniCertificateRegistry(SecretResolver resolver, SniCertificates certificates, Clock clock,
                                  SniEntryPreference preference) {
        this.resolver = Objects.requireNonNull(resolver, "resolver");
        this.certificates = Objects.requireNonNull(certificates, "certificates");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.preference = Objects.requireNonNull(preference, "preference");
        this.builders = Executors.newFixedThreadPool(2, daemon("sni-entry-build"));
        this.publisher = Executors.newSingleThreadScheduledExecutor(r -> publisherThread = daemon("sni-index-publish").newThread(r));
        this.lastPublicationNanos = System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(PUBLISH_INTERVAL_MILLIS);
        resolver.addListener(onSecretChange);
        builders.execute(Pem::warmUp);
        this.issuers = Executors.newFixedThreadPool(2, daemon("sni-issue"));
        this.renewals = Executors.newSingleThreadScheduledExecutor(daemon("sni-renew"));
        this.issued = new IssuedEntries(new VaultPkiAuthority(this::vaultConnection, clock),
                IssuedCertificateStore.inMemory(), clock, issuers, new IssuedServed(), tokens);
        renewals.scheduleWithFixedDelay(this::renewQuietly, 1, 1, TimeUnit.SECONDS);
    }

    /**
     * Where certificates issued for entries with an {@linkplain SniEntrySpec#issuer() issuer} are kept (default:
     * memory). Set before the first such entry is put; the gateway keeps them in its configuration store, so a
     * restart serves them at once and a cluster's nodes share one per name.
     */
    public void setIssuedCertificateStore(IssuedCertificateStore store) {
        issued.setStore(Objects.requireNonNull(store, "store"));
    }

    /** From now on, {@code listener} hears each certificate obtained for an entry with an issuer, or failed. */
    public void addIssuanceListener(IssuanceListener listener) {
        issued.addListener(listener);
    }

    public void removeIssuanceListener(IssuanceListener listener) {
        issued.removeListener(listener);
    }

    /**
     * Renews the issued certificates that are due, retries failed issuances whose backoff has passed, and stops
     * serving expired ones, by this registry's clock (a background task does it every second); the future
     * completes when the renewals started are served or have failed.
     */
    public CompletableFuture<Void> renewDue() {
        return issued.renewDue();
    }

    private void renewQuietly() {
        try {
            issued.renewDue();
        } catch (RuntimeException e) {
            LOG.warn("issued certificate renewal tick failed: {}", e.toString());
        }
    }

    /** The Vault connection of secret object {@code vault/<id>}, for issuers. */
    private Optional<VaultSecretManager> vaultConnection(String id) {
        return resolver.manager("vault", id).filter(VaultSecretManager.class::isInstance).map(VaultSecretManager.class::cast);
    }

    /** What issued entries serve goes where stored ones go. */
    private final class IssuedServed implements IssuedEntries.Served {
        @Override
        public CompletableFuture<Void> serve(SniEntry entry) {
            synchronized (servedLock) {
                served.put(entry.id(), entry);
            }
            return publish();
        }

        @Override
        public CompletableFuture<Void> unserve(String servedId) {
            synchronized (servedLock) {
                served.remove(servedId);
            }
            return publish();
        }
    }

    /**
     * Adds or replaces an entry. The future completes once the entry has been built (or has failed) and the
     * index holding the outcome is being served.
     */
    public CompletableFuture<SniEntryStatus> put(SniEntrySpec spec) {
        Objects.requireNonNull(spec, "spec");
        if (spec.issuer() != null) {
            return putIssued(spec);
        }
        if (issued.holds(spec.id())) {
            issued.remove(spec.id());
        }
        long token = tokens.incrementAndGet();
        List<String> references = spec.values().stream().filter(SecretReference::isReference).distinct().toList();
        Slot slot = new Slot(spec, token, status(spec.id(),
                spec.enabled() ? SniEntryStatus.State.PENDING : SniEntryStatus.State.DISABLED, null, references));
        Slot previous;
        synchronized (servedLock) {
            previous = slots.put(spec.id(), slot);
            if (!spec.enabled()) {
                served.remove(spec.id());
            }
        }
        if (previous != null) {
            forgetReaders(previous.spec());
        }
        if (!spec.enabled()) {
            return publish().thenApply(published -> slot.status());
        }
        watched(spec).forEach(r -> readers.computeIfAbsent(r, k -> ConcurrentHashMap.newKeySet()).add(spec.id()));
        return build(spec, token, references);
    }

    /** An entry whose certificates are issued: its slot holds the spec; what is served is the issued entries'. */
    private CompletableFuture<SniEntryStatus> putIssued(SniEntrySpec spec) {
        Slot slot = new Slot(spec, tokens.incrementAndGet(), status(spec.id(), SniEntryStatus.State.PENDING, null, List.of()));
        Slot previous = slots.put(spec.id(), slot);
        if (previous != null && previous.spec().issuer() == null) {
            forgetReaders(previous.spec());
        }
        return issued.put(spec).thenCompose(status -> publish().thenApply(published -> status));
    }

    /** Stops serving an entry (from the next handshake once this returns); its references are no longer watched. */
    public void remove(String id) {
        if (issued.holds(id)) {
            slots.remove(id);
            issued.remove(id);
            awaitPublication(publish());
            return;
        }
        Slot slot;
        boolean wasServed;
        synchronized (servedLock) {
            slot = slots.remove(id);
            wasServed = served.remove(id) != null;
        }
        if (slot != null) {
            forgetReaders(slot.spec());
        }
        if (wasServed) {
            awaitPublication(publish());
        }
    }

    /** Where this registry publishes what is served. */
    public SniCertificates certificates() {
        return certificates;
    }

    /** The resolver this registry reads references through. */
    public SecretResolver resolver() {
        return resolver;
    }

    /** The entry served to clients that send no SNI; null for none (they are refused). */
    public void setDefaultEntry(String id) {
        this.defaultEntryId = id;
        awaitPublication(publish());
    }

    /**
     * The name whose certificate is served to clients that send no SNI, as APISIX's
     * {@code apisix.ssl.fallback_sni} (looked up as an SNI: exact, wildcard, {@code *}); null for none. A
     * {@linkplain #setDefaultEntry default entry}, when set, comes first.
     */
    public void setFallbackSni(String name) {
        this.fallbackSni = name == null || name.isBlank() ? null : SniNames.normalize(name.strip());
        awaitPublication(publish());
    }

    /** The entry built for {@code id}, when it is served (ACTIVE). */
    public Optional<SniEntry> entry(String id) {
        return Optional.ofNullable(served.get(id));
    }

    /** The entry as configured (its names and references), whatever its state. */
    public Optional<SniEntrySpec> spec(String id) {
        return Optional.ofNullable(slots.get(id)).map(Slot::spec);
    }

    public List<SniEntryStatus> status() {
        return slots.keySet().stream().map(this::status).flatMap(Optional::stream)
                .sorted(Comparator.comparing(SniEntryStatus::id)).toList();
    }

    public Optional<SniEntryStatus> status(String id) {
        Optional<SniEntryStatus> issuedStatus = issued.status(id);
        return issuedStatus.isPresent() ? issuedStatus : Optional.ofNullable(slots.get(id)).map(Slot::status);
    }

    @Override
    public void close() {
        resolver.removeListener(onSecretChange);
        builders.shutdownNow();
        renewals.shutdownNow();
        issuers.shutdownNow();
        publisher.shutdownNow();
    }

    private CompletableFuture<SniEntryStatus> build(SniEntrySpec spec, long token, List<String> references) {
        Map<String, CompletableFuture<String>> values = new java.util.LinkedHashMap<>();
        spec.values().forEach(text -> values.computeIfAbsent(text, this::resolve));
        return CompletableFuture.allOf(values.values().toArray(CompletableFuture[]::new))
                .handleAsync((ignored, failure) -> {
                    try {
                        Map<String, String> resolved = new java.util.HashMap<>();
                        values.forEach((text, value) -> resolved.put(text, value.join()));
                        return activate(spec.id(), token, entry(spec, resolved, token), references);
                    } catch (CompletionException e) {
                        return fail(spec.id(), token, e.getCause(), references);
                    } catch (RuntimeException e) {
                        return fail(spec.id(), token, e, references);
                    }
                }, builders).thenCompose(published -> published);
    }

    private CompletableFuture<String> resolve(String value) {
        if (!SecretReference.isReference(value)) {
            return CompletableFuture.completedFuture(value);
        }
        try {
            return resolver.resolveAsync(SecretReference.parse(value));
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(new SecretException(SecretException.Kind.MALFORMED_REFERENCE,
                    e.getMessage()));
        }
    }

    /** Parses the resolved values ({@code resolved}: configured text to value) into an entry. */
    private static SniEntry entry(SniEntrySpec spec, Map<String, String> resolved, long generation) {
        List<CertifiedKey> keys = new ArrayList<>();
        keys.add(pair(spec, resolved, spec.cert(), "cert", spec.key(), "key"));
        for (int i = 0; i < spec.certs().size(); i++) {
            keys.add(pair(spec, resolved, spec.certs().get(i), "certs[" + i + "]", spec.keys().get(i), "keys[" + i + "]"));
        }
        List<X509Certificate> clientCa = spec.clientCa() == null ? List.of()
                : Pem.decodeCertificates(source(spec, spec.clientCa(), "client.ca"), resolved.get(spec.clientCa()));
        return new SniEntry(spec.id(), spec.snis(), keys, true, spec.protocols(), clientCa, spec.clientDepth(),
                spec.clientCertificateOptional(), generation);
    }

    private static CertifiedKey pair(SniEntrySpec spec, Map<String, String> resolved, String cert, String certField,
                                     String key, String keyField) {
        return Pem.decodeCertifiedKey(source(spec, cert, certField), resolved.get(cert), source(spec, key, keyField),
                resolved.get(key), null);
    }

    /** How errors name a value: the reference itself, or the entry's field for inline PEM. */
    private static String source(SniEntrySpec spec, String value, String field) {
        return SecretReference.isReference(value) ? value : "ssl " + spec.id() + " " + field;
    }

    /** Serves a built entry; completes with its status once an index holding it is served. */
    private CompletableFuture<SniEntryStatus> activate(String id, long token, SniEntry entry, List<String> references) {
        Instant now = clock.instant();
        CertifiedKey main = entry.keys().get(0);
        boolean valid = entry.keys().stream().allMatch(k -> k.isValidAt(now));
        Instant notAfter = entry.keys().stream().map(CertifiedKey::notAfter).min(Comparator.naturalOrder()).orElseThrow();
        SniEntryStatus status = new SniEntryStatus(id, SniEntryStatus.State.ACTIVE, null, main.subject(),
                main.dnsNames(), notAfter, valid, references, now, List.of());
        return settle(id, token, status, () -> {
            if (!valid) {
                LOG.warn("certificate entry {} ({}) is served although a certificate is outside its validity period "
                        + "(not after {})", id, main.subject(), notAfter);
            }
            served.put(id, entry);
        });
    }

    private CompletableFuture<SniEntryStatus> fail(String id, long token, Throwable cause, List<String> references) {
        String message = cause instanceof SecretException || cause instanceof IllegalArgumentException
                ? cause.getMessage() : "unexpected " + cause.getClass().getSimpleName();
        SniEntryStatus status = status(id, SniEntryStatus.State.FAILED, message, references);
        return settle(id, token, status, () -> {
            LOG.warn("certificate entry {} is not served: {}", id, message);
            served.remove(id);
        });
    }

    /**
     * Applies a build's outcome ({@code change} to what is served) unless a newer put or a remove has replaced the
     * entry meanwhile; the status is recorded once an index reflecting the change is served, so a status never
     * says more than clients see.
     */
    private CompletableFuture<SniEntryStatus> settle(String id, long token, SniEntryStatus status, Runnable change) {
        synchronized (servedLock) {
            Slot slot = slots.get(id);
            if (slot == null || slot.token() != token) {
                return CompletableFuture.completedFuture(status);
            }
            change.run();
        }
        return publish().thenApply(published -> {
            setStatus(id, token, status);
            return status;
        });
    }

    /** Records a build's outcome unless a newer put or a remove has replaced the entry meanwhile. */
    private boolean setStatus(String id, long token, SniEntryStatus status) {
        Slot[] applied = new Slot[1];
        slots.computeIfPresent(id, (k, slot) -> {
            if (slot.token() != token) {
                return slot;
            }
            applied[0] = new Slot(slot.spec(), token, status);
            return applied[0];
        });
        return applied[0] != null;
    }

    /** A status without certificate details: pending, disabled or failed. */
    private SniEntryStatus status(String id, SniEntryStatus.State state, String error, List<String> references) {
        return new SniEntryStatus(id, state, error, null, List.of(), null, false, references, clock.instant(), List.of());
    }

    /** A referenced value changed: rebuild the entries that read it. */
    private void secretChanged(SecretReference reference) {
        Set<String> ids = readers.get(reference);
        if (ids == null) {
            return;
        }
        for (String id : List.copyOf(ids)) {
            Slot slot = slots.get(id);
            if (slot != null) {
                LOG.info("rebuilding certificate entry {}: {} changed", id, reference);
                put(slot.spec());
            }
        }
    }

    private void forgetReaders(SniEntrySpec spec) {
        watched(spec).forEach(r -> {
            Set<String> ids = readers.get(r);
            if (ids != null) {
                ids.remove(spec.id());
            }
        });
    }

    /** The well-formed references of an entry; a malformed one fails the build instead of being watched. */
    private static List<SecretReference> watched(SniEntrySpec spec) {
        List<SecretReference> references = new ArrayList<>();
        for (String value : spec.values()) {
            if (SecretReference.isReference(value)) {
                try {
                    references.add(SecretReference.parse(value));
                } catch (IllegalArgumentException malformed) {
                    // Reported by the build.
                }
            }
        }
        return references;
    }

    /**
     * Schedules an index of the served entries, unless one is already scheduled (it will include this change, as
     * it reads the entries when it starts); the future completes once that index is served.
     */
    private CompletableFuture<Void> publish() {
        CompletableFuture<Void> publication;
        synchronized (publishLock) {
            if (nextPublication != null) {
                return nextPublication;
            }
            publication = nextPublication = new CompletableFuture<>();
            long due = lastPublicationNanos + TimeUnit.MILLISECONDS.toNanos(PUBLISH_INTERVAL_MILLIS) - System.nanoTime();
            try {
                publisher.schedule(this::publishNow, Math.max(0, due), TimeUnit.NANOSECONDS);
                return publication;
            } catch (RejectedExecutionException closed) {
                // After close(): publish on this thread, as nothing else will.
            }
        }
        publishNow();
        return publication;
    }

    /** Waits for a publication, unless called back from the publishing thread itself (which would wait forever). */
    private void awaitPublication(CompletableFuture<Void> publication) {
        if (Thread.currentThread() != publisherThread) {
            publication.join();
        }
    }

    private void publishNow() {
        CompletableFuture<Void> publication;
        synchronized (publishLock) {
            publication = nextPublication;
            nextPublication = null;
            lastPublicationNanos = System.nanoTime();
        }
        try {
            certificates.publish(SniCertificateIndex.build(served.values(), defaultEntryId, preference, clock.instant())
                    .withFallbackSni(fallbackSni).withOnDemand(issued.onDemand()));
            publication.complete(null);
        } catch (RuntimeException e) {
            LOG.error("cannot publish the certificate index: {}", e.toString());
            publication.completeExceptionally(e);
        }
    }

    private static ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
