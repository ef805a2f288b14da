package io.github.vaultsni.registry;

import io.github.vaultsni.keyless.TransitSigner;
import io.github.vaultsni.pem.CertifiedKey;
import io.github.vaultsni.pem.Pem;
import io.github.vaultsni.secret.SecretException;
import io.github.vaultsni.secret.SecretReference;
import io.github.vaultsni.revocation.ClientRevocation;
import io.github.vaultsni.revocation.ClientRevocations;
import io.github.vaultsni.sni.SniClientRevocation;
import io.github.vaultsni.sni.SniEntry;
import io.github.vaultsni.sni.SniPreparation;
import io.github.vaultsni.vault.VaultSecretManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * An SSL object whose certificates are stored: inline PEM, or references resolved through the secret resolver; its
 * main key may instead be kept in Vault Transit ({@code signer}), read here as a handle that signs through Vault.
 * Built (values resolved, then PEM parsed on the registry's executor) when started and again each time a value it
 * reads changes; the built entry is served while ACTIVE or RENEWING. See {@link SslObjectMachine} for the states.
 */
final class PemObject extends SslObjectMachine {
    private static final Logger LOG = LoggerFactory.getLogger(PemObject.class);

    /** The outcome of one build: an entry, or why there is none. */
    private record Built(SniEntry entry, String error) {
    }

    private SniEntryStatus.State state;
    private volatile SniEntry entry;
    private String error;
    private boolean building;
    private boolean rebuildWanted;
    /** Completes once the current resolution's outcome is published; handshakes for the names wait on it. */
    private volatile CompletableFuture<Void> resolved = new CompletableFuture<>();
    private final SniPreparation waitForResolution = name -> waitOn(resolved);
    /** How long a build waits for a new revocation list's first fetch. */
    private static final Duration FIRST_LIST_WAIT = Duration.ofSeconds(5);
    /** This machine's revocation list, if its object checks one; guarded by this. */
    private ClientRevocation revocation;
    /** Set when the machine is removed: no list is taken from then on; guarded by this. */
    private boolean listsClosed;
    /** How many builds in a row failed, and when a failed one is tried again (a signer's: see {@link #renewDue}). */
    private int failures;
    private Instant retryAt;

    PemObject(SniEntrySpec spec, SslObjectRegistry registry, Instant now) {
        super(spec, registry, now);
        this.state = spec.enabled() ? SniEntryStatus.State.RESOLVING : SniEntryStatus.State.DISABLED;
    }

    @Override
    void start(SslObjectMachine previous) {
        if (spec.enabled()) {
            build();
        } else {
            settled();
        }
    }

    @Override
    List<SniEntry> served() {
        SniEntry current = entry;
        return current != null && (state == SniEntryStatus.State.ACTIVE || state == SniEntryStatus.State.RENEWING)
                ? List.of(current) : List.of();
    }

    @Override
    void claim(Map<String, SniPreparation> exact, Map<String, SniPreparation> wildcard, SniPreparation[] any) {
        if (state == SniEntryStatus.State.RESOLVING) {
            claimNames(waitForResolution, exact, wildcard, any);
        }
    }

    @Override
    SniEntry entry() {
        return entry;
    }

    @Override
    boolean settling() {
        return state == SniEntryStatus.State.RESOLVING;
    }

    @Override
    void secretChanged(SecretReference reference) {
        if (state == SniEntryStatus.State.ACTIVE) {
            LOG.info("rebuilding certificate entry {}: {} changed", spec.id(), reference);
            state = SniEntryStatus.State.RENEWING;
            registry.changed(this);
        } else if (state == SniEntryStatus.State.FAILED) {
            state = SniEntryStatus.State.RESOLVING;
            resolved = new CompletableFuture<>();
            registry.changed(this);
        } else if (state == SniEntryStatus.State.DISABLED) {
            return;
        }
        build();
    }

    /**
     * A keyless object whose build failed is built again with backoff (1 s, doubling to a minute): what it read is
     * Vault's Transit key, which no secret change announces (a Vault that was down at start, a key made later).
     */
    @Override
    CompletableFuture<Void> renewDue(Instant now) {
        if (spec.signer() != null && state == SniEntryStatus.State.FAILED && !building && retryAt != null
                && !now.isBefore(retryAt)) {
            retryAt = null;
            build();
        }
        return CompletableFuture.completedFuture(null);
    }

    /** Replaced or removed: nothing served, and its revocation list no longer fetched. Serial. */
    @Override
    void remove() {
        super.remove();
        entry = null;
        resolved.complete(null);
        synchronized (this) {
            listsClosed = true;
            if (revocation != null) {
                registry.clientRevocations().untrack(revocation);
                revocation = null;
            }
        }
    }

    /** Resolves the values and parses them off the serial executor; the outcome comes back to it. */
    private void build() {
        if (building) {
            rebuildWanted = true;
            return;
        }
        building = true;
        long generation = registry.nextGeneration();
        try {
            Map<String, CompletableFuture<String>> values = new LinkedHashMap<>();
            spec.values().forEach(text -> values.computeIfAbsent(text, this::resolve));
            CompletableFuture.allOf(values.values().toArray(CompletableFuture[]::new))
                    .handleAsync((ignored, failure) -> parse(values, generation),
                            spec.signer() != null ? registry.vaultWork() : registry.executor()) // a signer reads Vault
                    .thenAccept(built -> registry.serially(() -> settle(built)));
        } catch (RuntimeException e) {
            settle(new Built(null, message(e))); // the pool refused the work (stopping): failed, never stuck building
        }
    }

    private CompletableFuture<String> resolve(String value) {
        if (!SecretReference.isReference(value)) {
            return CompletableFuture.completedFuture(value);
        }
        return registry.resolver().resolveAsync(SecretReference.parse(value)); // well formed: checked by the spec
    }

    private Built parse(Map<String, CompletableFuture<String>> values, long generation) {
        try {
            Map<String, String> resolved = new java.util.HashMap<>();
            values.forEach((text, value) -> resolved.put(text, value.join()));
            return new Built(entry(resolved, generation), null);
        } catch (CompletionException e) {
            return new Built(null, message(e.getCause()));
        } catch (RuntimeException e) {
            return new Built(null, message(e));
        }
    }

    private static String message(Throwable cause) {
        return cause instanceof SecretException || cause instanceof IllegalArgumentException
                ? cause.getMessage() : "unexpected " + cause.getClass().getSimpleName();
    }

    /** Parses the resolved values ({@code resolved}: configured text to value) into an entry. */
    private SniEntry entry(Map<String, String> resolved, long generation) {
        List<CertifiedKey> keys = new ArrayList<>();
        keys.add(spec.signer() != null ? keyless(resolved) : pair(resolved, spec.cert(), "cert", spec.key(), "key"));
        for (int i = 0; i < spec.certs().size(); i++) {
            keys.add(pair(resolved, spec.certs().get(i), "certs[" + i + "]", spec.keys().get(i), "keys[" + i + "]"));
        }
        List<X509Certificate> clientCa = spec.clientCa() == null ? List.of()
                : Pem.decodeCertificates(source(spec.clientCa(), "client.ca"), resolved.get(spec.clientCa()));
        return SniEntry.builder(spec.id()).snis(spec.snis()).keys(keys).protocols(spec.protocols())
                .clientCertificates(clientCa, spec.clientDepth()).skipMtlsUris(spec.skipMtlsPatterns())
                .clientRevocation(clientRevocation(clientCa)).generation(generation).build();
    }

    /**
     * The revocation list the entry's client certificates are checked against: this machine's own, kept across its
     * rebuilds while the client CAs stay the same, a new one when they change; its first fetch is waited for (on this
     * builder's thread, bounded) so the entry is served with it. None once the machine is removed.
     */
    private SniClientRevocation clientRevocation(List<X509Certificate> clientCa) {
        ClientRevocation current;
        synchronized (this) {
            if (spec.clientRevocation() == null || clientCa.isEmpty() || listsClosed) {
                return SniClientRevocation.NONE;
            }
            ClientRevocations lists = registry.clientRevocations();
            if (revocation == null || !revocation.serves(spec.clientRevocation(), clientCa)) {
                if (revocation != null) {
                    lists.untrack(revocation);
                }
                revocation = lists.track(spec.id(), spec.clientRevocation(), clientCa);
            }
            current = revocation;
        }
        current.awaitFirstOutcome(FIRST_LIST_WAIT); // outside the lock: a removal never waits for it
        return current;
    }

    private CertifiedKey pair(Map<String, String> resolved, String cert, String certField, String key, String keyField) {
        return Pem.decodeCertifiedKey(source(cert, certField), resolved.get(cert), source(key, keyField),
                resolved.get(key), null);
    }

    /**
     * The main certificate with a handle for its key in Vault Transit, the key's version whose public key the
     * certificate holds (read from Vault here, on the builder's thread); none holding it fails the build.
     */
    private CertifiedKey keyless(Map<String, String> resolved) {
        String certSource = source(spec.cert(), "cert");
        return TransitSigner.certifiedKey(spec.signer(), certSource,
                Pem.decodeCertificates(certSource, resolved.get(spec.cert())),
                id -> registry.resolver().manager("vault", id, VaultSecretManager.class), registry.signings());
    }

    /** How errors name a value: the reference itself, or the object's field for inline PEM. */
    private String source(String value, String field) {
        return SecretReference.isReference(value) ? value : "ssl " + spec.id() + " " + field;
    }

    private void settle(Built built) {
        building = false;
        if (removed()) {
            return;
        }
        if (rebuildWanted) {
            rebuildWanted = false; // a value changed while this build ran: build again with it
            build();
            return;
        }
        if (built.entry() != null) {
            boolean valid = built.entry().keys().stream().allMatch(k -> k.isValidAt(registry.now()));
            if (!valid) {
                LOG.warn("certificate entry {} ({}) is served although a certificate is outside its validity period",
                        spec.id(), built.entry().keys().get(0).subject());
            }
            entry = built.entry();
            state = SniEntryStatus.State.ACTIVE;
            error = null;
            failures = 0;
        } else {
            if (built.error().equals(error)) {
                LOG.debug("certificate entry {} is still not served: {}", spec.id(), built.error()); // a retry's
            } else {
                LOG.warn("certificate entry {} is not served: {}", spec.id(), built.error());
            }
            entry = null;
            state = SniEntryStatus.State.FAILED;
            error = built.error();
            retryAt = registry.now().plus(retryBackoff(++failures));
        }
        CompletableFuture<Void> done = resolved;
        registry.afterNextPublication(() -> done.complete(null));
        settled();
    }

    @Override
    SniEntryStatus status(Instant now) {
        SniEntryStatus.Builder status = SniEntryStatus.builder(spec.id(), state, now).error(error).references(references());
        SniEntry current = entry;
        if (current != null && state != SniEntryStatus.State.FAILED) {
            CertifiedKey main = current.keys().get(0);
            Instant notAfter = current.keys().stream().map(CertifiedKey::notAfter).min(Comparator.naturalOrder()).orElseThrow();
            status.certificate(main.subject(), main.dnsNames(), notAfter,
                    current.keys().stream().allMatch(k -> k.isValidAt(now)));
        }
        return status.build();
    }
}
