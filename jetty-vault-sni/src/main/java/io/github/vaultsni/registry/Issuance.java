package io.github.vaultsni.registry;

import io.github.vaultsni.issuer.CertificateAuthority;
import io.github.vaultsni.issuer.IssuanceListener;
import io.github.vaultsni.issuer.IssuedCertificate;
import io.github.vaultsni.issuer.IssuedCertificateStore;
import io.github.vaultsni.issuer.IssuerSpec;
import io.github.vaultsni.pem.CertifiedKey;
import io.github.vaultsni.pem.Pem;
import io.github.vaultsni.vault.VaultBreaker;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

/**
 * Obtains certificates for SSL objects with an issuer, off any handshake and off the registry's serial executor:
 * a stored certificate that still fits is adopted (a restart, another node of a cluster); else the
 * {@link CertificateAuthority} issues one, which is offered to the {@link IssuedCertificateStore}, and whatever
 * the store keeps is served. The chain and key are parsed here too, so the registry only swaps values. One
 * {@link VaultBreaker} per Vault connection hears how each issuance went.
 */
final class Issuance {
    private static final Logger LOG = LoggerFactory.getLogger(Issuance.class);

    /** A certificate obtained, and its key material parsed. */
    record Obtained(IssuedCertificate certificate, CertifiedKey key) {
    }

    private final CertificateAuthority authority;
    private volatile IssuedCertificateStore store;
    private final Clock clock;
    private final Executor executor;
    private final Scheduler scheduler;
    private final List<IssuanceListener> listeners = new CopyOnWriteArrayList<>();
    private final Map<String, VaultBreaker> breakers = new ConcurrentHashMap<>();

    Issuance(CertificateAuthority authority, IssuedCertificateStore store, Clock clock, Executor executor,
             Scheduler scheduler) {
        this.authority = authority;
        this.store = store;
        this.clock = clock;
        this.executor = executor;
        this.scheduler = scheduler;
    }

    void useStore(IssuedCertificateStore store) {
        this.store = store;
    }

    void addListener(IssuanceListener listener) {
        listeners.add(listener);
    }

    void removeListener(IssuanceListener listener) {
        listeners.remove(listener);
    }

    /** The breaker of the Vault connection {@code issuer} uses. */
    VaultBreaker breaker(IssuerSpec issuer) {
        return breakers.computeIfAbsent(issuer.secretObjectId(), id -> new VaultBreaker());
    }

    /**
     * Obtains a certificate for {@code names} (unit {@code unit} of object {@code objectId}): {@code current} while
     * it still fits and is not due, else a stored one that does, else a new one. Runs on the executor; an
     * issuance still in flight after the issuer's on-demand wait counts against the breaker at once.
     *
     * @param fits whether a certificate was issued for this unit under these settings and has not expired
     */
    CompletableFuture<Obtained> obtain(String objectId, IssuerSpec issuer, String unit, List<String> names,
                                       IssuedCertificate current, Predicate<IssuedCertificate> fits,
                                       Predicate<IssuedCertificate> due) {
        VaultBreaker breaker = breaker(issuer);
        CompletableFuture<Obtained> obtained = CompletableFuture.supplyAsync(
                () -> fetch(objectId, issuer, unit, names, current, fits.and(due.negate())), executor);
        AtomicBoolean slow = new AtomicBoolean();
        Scheduler.Task slowCheck = scheduler.schedule(() -> {
            synchronized (slow) {
                if (!obtained.isDone()) {
                    slow.set(true);
                    LOG.warn("issuing a certificate for {} (ssl {}) takes longer than {} ms: new names under it are "
                            + "refused until Vault answers", names, objectId, issuer.onDemandWait().toMillis());
                    breaker.slow(clock.instant());
                }
            }
        }, issuer.onDemandWait().toMillis(), TimeUnit.MILLISECONDS);
        return obtained.whenComplete((ok, failure) -> {
            slowCheck.cancel();
            synchronized (slow) {
                breaker.ended(slow.get(), failure == null, clock.instant());
            }
            if (failure != null) {
                tell(objectId, IssuanceListener.Outcome.FAILED);
            }
        });
    }

    private Obtained fetch(String objectId, IssuerSpec issuer, String unit, List<String> names,
                           IssuedCertificate current, Predicate<IssuedCertificate> usable) {
        IssuedCertificate certificate;
        if (current != null && usable.test(current)) {
            certificate = current;
        } else {
            Optional<IssuedCertificate> stored = store.load(objectId, unit).filter(usable);
            if (stored.isPresent()) {
                tell(objectId, IssuanceListener.Outcome.ADOPTED);
                certificate = stored.get(); // issued by another node, or before a restart
            } else {
                IssuedCertificate fresh = authority.issue(issuer, names);
                LOG.info("issued certificate {} for {} (ssl {}), not after {}", fresh.serial(), fresh.names(),
                        objectId, fresh.notAfter());
                tell(objectId, IssuanceListener.Outcome.ISSUED);
                certificate = store.offer(objectId, unit, fresh, usable);
            }
        }
        CertifiedKey key = Pem.decodeCertifiedKey("issued certificate " + certificate.serial(), certificate.chainPem(),
                "issued key " + certificate.serial(), certificate.keyPem(), null);
        return new Obtained(certificate, key);
    }

    /** Forgets one stored certificate (expired), off the caller's thread. */
    void forget(String objectId, String unit) {
        executor.execute(() -> store.remove(objectId, unit));
    }

    /** Forgets an object's stored certificates (it was removed), off the caller's thread. */
    void forgetAll(String objectId) {
        executor.execute(() -> store.removeAll(objectId));
    }

    /** A new name under a wildcard of {@code objectId} was refused before Vault was asked. */
    void refused(String objectId) {
        tell(objectId, IssuanceListener.Outcome.REFUSED);
    }

    private void tell(String objectId, IssuanceListener.Outcome outcome) {
        for (IssuanceListener listener : listeners) {
            listener.issuance(objectId, outcome);
        }
    }

    /** Up to a thirtieth of the lifetime, fixed per certificate (from its serial) so every node agrees on it. */
    static Duration jitter(IssuedCertificate certificate) {
        long permille = Math.floorMod(certificate.serial().hashCode(), 1000);
        return certificate.lifetime().dividedBy(30).multipliedBy(permille).dividedBy(1000);
    }

    static boolean due(IssuedCertificate certificate, Instant now) {
        return !now.isBefore(certificate.renewAt(jitter(certificate)));
    }
}
