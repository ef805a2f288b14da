package io.github.vaultsni.revocation;

import io.github.vaultsni.sni.SniClientRevocation;

import java.security.cert.CRLReason;
import java.security.cert.CertificateException;
import java.security.cert.CertificateRevokedException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One SSL object's revocation list: the one its client certificates are checked against in the handshake (a
 * volatile read and a set lookup), and when it is to be fetched again. {@link ClientRevocations} fetches it.
 */
public final class ClientRevocation implements SniClientRevocation {
    private static final Duration FIRST_RETRY = Duration.ofSeconds(1);


    private final String sslId;
    private final RevocationSpec spec;
    private final List<X509Certificate> cas;
    private final Clock clock;
    private volatile RevocationList list;
    /** Why the last fetch failed; null when it succeeded (or none ended yet). */
    private volatile String lastFailure;
    private volatile Instant nextFetch;
    private final java.util.concurrent.CompletableFuture<Void> firstOutcome = new java.util.concurrent.CompletableFuture<>();
    private int failures;
    private final java.util.concurrent.atomic.AtomicLong refusedRevoked = new java.util.concurrent.atomic.AtomicLong();

    ClientRevocation(String sslId, RevocationSpec spec, List<X509Certificate> cas, Clock clock) {
        this.sslId = sslId;
        this.spec = spec;
        this.cas = List.copyOf(cas);
        this.clock = clock;
        this.nextFetch = clock.instant();
    }

    String sslId() {
        return sslId;
    }

    RevocationSpec spec() {
        return spec;
    }

    List<X509Certificate> cas() {
        return cas;
    }

    /** Whether this list serves {@code spec} with {@code cas} (else its owner takes a new one). */
    public boolean serves(RevocationSpec spec, List<X509Certificate> cas) {
        return this.spec.equals(spec) && this.cas.equals(cas);
    }

    boolean due(Instant now) {
        return !now.isBefore(nextFetch);
    }

    /**
     * A listed certificate is refused whatever the list's age (a revocation is for good); an unlisted one is
     * accepted while the list is current, else as the fail mode says.
     */
    @Override
    public void check(X509Certificate leaf) throws CertificateException {
        RevocationList current = list;
        if (current != null && current.covers(leaf)) {
            if (current.lists(leaf)) {
                refusedRevoked.incrementAndGet();
                throw new CertificateRevokedException(Date.from(current.thisUpdate()), CRLReason.UNSPECIFIED,
                        current.issuer(), Map.of());
            }
            if (current(current, clock.instant())) {
                return;
            }
        }
        if (spec.failMode() == RevocationSpec.FailMode.FAIL_CLOSED) {
            throw new CertificateException("no current revocation list for client certificates of ssl " + sslId
                    + (current != null && !current.covers(leaf) ? " issued by " + leaf.getIssuerX500Principal().getName()
                    : "") + " (fail_closed)");
        }
    }

    /** How many client certificates this list refused as revoked. */
    public long refusedRevoked() {
        return refusedRevoked.get();
    }

    /** Whether {@code list} is still used at {@code now}: before its nextUpdate plus the grace. */
    private boolean current(RevocationList list, Instant now) {
        return list.nextUpdate() == null || !now.isAfter(list.nextUpdate().plus(spec.grace()));
    }

    /**
     * A fetched and verified list: used from now on, unless older than the one held (a lagging node or an old copy
     * would take revocations back); fetched again at the refresh or its nextUpdate.
     */
    synchronized void fetched(RevocationList fetched) {
        RevocationList held = list;
        if (held != null && fetched.thisUpdate().isBefore(held.thisUpdate())) {
            failed("the list fetched (" + fetched.thisUpdate() + ") is older than the one held (" + held.thisUpdate() + ")");
            return;
        }
        Instant now = clock.instant();
        list = fetched;
        lastFailure = null;
        failures = 0;
        Instant next = now.plus(spec.refresh());
        if (fetched.nextUpdate() != null && fetched.nextUpdate().isAfter(now) && fetched.nextUpdate().isBefore(next)) {
            next = fetched.nextUpdate();
        }
        nextFetch = next;
        firstOutcome.complete(null);
    }

    /** A failed fetch: the list held so far stays; tried again after a backoff (1 s doubling, at most the refresh). */
    synchronized void failed(String why) {
        Instant now = clock.instant();
        lastFailure = why;
        failures++;
        Duration wait = FIRST_RETRY.multipliedBy(1L << Math.min(failures - 1, 20));
        nextFetch = now.plus(wait.compareTo(spec.refresh()) < 0 ? wait : spec.refresh());
        firstOutcome.complete(null);
    }

    /**
     * Waits (a builder's thread, never a handshake's) until the first fetch has ended, at most {@code timeout}: an
     * object is served with its list loaded, so that a {@code fail_closed} one does not refuse clients meanwhile.
     */
    public void awaitFirstOutcome(Duration timeout) {
        try {
            firstOutcome.get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
            // served without a list yet: the fail mode applies until it comes
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * As an SSL object's status shows it: {@code source}, {@code fail_mode}, {@code state} ({@code current},
     * {@code stale}: past nextUpdate plus grace, {@code none}: none fetched yet), {@code this_update},
     * {@code next_update} and {@code revoked} (a count) of the list used, {@code last_failure},
     * {@code next_fetch} and {@code refused_revoked} (client certificates refused as revoked); times in seconds since
     * the epoch.
     */
    public Map<String, Object> toMap() {
        RevocationList current = list;
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("source", spec.source() instanceof RevocationSpec.Source.VaultPki vault
                ? "vault_pki " + vault.secretId() + "/" + vault.mount() : "crl");
        out.put("fail_mode", spec.failMode().name().toLowerCase(java.util.Locale.ROOT));
        out.put("state", current == null ? "none" : current(current, clock.instant()) ? "current" : "stale");
        out.put("this_update", current == null ? null : current.thisUpdate().getEpochSecond());
        out.put("next_update", current == null || current.nextUpdate() == null ? null
                : current.nextUpdate().getEpochSecond());
        out.put("revoked", current == null ? 0 : current.revoked().size());
        out.put("last_failure", lastFailure);
        out.put("next_fetch", nextFetch.getEpochSecond());
        out.put("refused_revoked", refusedRevoked.get());
        return out;
    }

    @Override
    public String toString() {
        RevocationList current = list;
        return "ClientRevocation{ssl " + sslId + ", " + (current == null ? "no list" : current.revoked().size()
                + " revoked, this update " + current.thisUpdate()) + "}";
    }
}
