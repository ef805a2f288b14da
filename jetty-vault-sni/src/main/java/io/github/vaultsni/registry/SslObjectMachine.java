package io.github.vaultsni.registry;

import io.github.vaultsni.secret.SecretReference;
import io.github.vaultsni.sni.SniEntry;
import io.github.vaultsni.sni.SniPreparation;
import io.github.vaultsni.sni.SniWait;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One SSL object's state machine: the only writer of what its id serves. The registry keeps one per id, replaces
 * it whole when the object is replaced, and derives the serving snapshot from every machine's
 * {@link #served()} and {@link #claim claims}. Its source is stored PEM or references ({@link PemObject}) or an
 * issuer ({@link IssuedObject}).
 *
 * <p>States and transitions (every change runs on the registry's one serial executor):
 * <pre>
 *   put ─────────► RESOLVING ──built / issued──► ACTIVE ──a referenced value changed,──► RENEWING
 *    │                 │  ▲                        ▲         or a renewal is due          │   │
 *    │              failed│ retried (a value       └────────────built / renewed───────────┘   │
 *    │                 ▼  │ changed, a backoff)                                               │
 *    │               FAILED ◄────────rebuilt and failed (a value is gone or does not parse)──┘
 *    └─ status 0 ──► DISABLED          replaced or removed, from any state ──► REMOVED
 * </pre>
 * <ul>
 *   <li>RESOLVING serves nothing and claims the object's names: a handshake for one of them is parked until the
 *       outcome is published (or its wait ends), never served by a broader entry meanwhile.</li>
 *   <li>ACTIVE and RENEWING serve the last built material. A renewal that fails keeps it (stale-if-error: Vault
 *       being away is absorbed by the secret cache, a failed issuance renewal by the issuer until expiry); a
 *       rebuild that fails because a value is gone or does not parse serves nothing (FAILED), as APISIX would.</li>
 *   <li>REMOVED is final: a removed object's material leaves the snapshot with the next publication; a replaced
 *       one's is served by its successor while that is first built, for a short handover at most (100 ms by
 *       default), so a rotation swaps old for new directly; past it the successor serves nothing until it is built,
 *       and a replacement that fails serves nothing for the id, as APISIX serves the object as it now is. Work
 *       still in flight for a removed machine is ignored when it ends.</li>
 * </ul>
 * A status is taken when the snapshot holding the state is published, so it never says more than clients see.
 */
abstract class SslObjectMachine {
    private static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    private static final Duration LAST_RETRY = Duration.ofMinutes(1);
    final SniEntrySpec spec;
    final SslObjectRegistry registry;
    /** Set once, on the serial executor; read by connector threads asking what a name waits for. */
    private volatile boolean removed;
    /** What the object this one replaced served, served on while this one is first built, for a short handover. Serial. */
    private volatile List<SniEntry> inherited;
    private volatile SniEntryStatus published;
    /** Who waits for the next settled state to be published (puts). Serial. */
    private final List<CompletableFuture<SniEntryStatus>> settledWaiters = new ArrayList<>();

    SslObjectMachine(SniEntrySpec spec, SslObjectRegistry registry, Instant now) {
        this.spec = spec;
        this.registry = registry;
        this.published = SniEntryStatus.builder(spec.id(), spec.enabled() ? SniEntryStatus.State.RESOLVING
                : SniEntryStatus.State.DISABLED, now).references(references()).build();
    }

    /** Starts the machine, taking over what it can of {@code previous} (the machine of the object it replaces, or null). Serial. */
    abstract void start(SslObjectMachine previous);

    /** The entries this object's own work has built and serves now (empty when none). Serial. */
    abstract List<SniEntry> served();

    /** What the snapshot holds for this object: while it is first built, within the handover, its predecessor's. Serial. */
    final List<SniEntry> servedNow() {
        List<SniEntry> handedOver = inherited;
        return handedOver != null && settling() ? handedOver : served();
    }

    /** The main built entry, or while it is first built, within the handover, its predecessor's. Any thread. */
    final SniEntry entryNow() {
        List<SniEntry> handedOver = inherited;
        SniEntry own = entry();
        return own == null && handedOver != null ? handedOver.get(0) : own;
    }

    /**
     * Serves {@code entries} (what the replaced object's own work built: never what it inherited, so handovers do
     * not chain) while this object is first built, until the handover ends ({@link #handoverOver}): a rotation built
     * within it swaps old for new directly; one that takes longer (Vault slow or down) serves nothing for the id
     * once it ends. Serial.
     */
    final void inherit(List<SniEntry> entries) {
        inherited = entries.isEmpty() ? null : List.copyOf(entries);
    }

    /** The handover ended: whatever this object has not built yet, nothing stands in for it. Serial. */
    final void handoverOver() {
        if (inherited != null) {
            inherited = null;
            registry.changed(this);
        }
    }

    /** Adds the names this object claims while its work is in progress. Serial. */
    abstract void claim(Map<String, SniPreparation> exact, Map<String, SniPreparation> wildcard, SniPreparation[] any);

    /** A referenced value changed. Serial. */
    void secretChanged(SecretReference reference) {
    }

    /** Renews what is due by the clock; completes when the renewals it started are settled. Serial. */
    CompletableFuture<Void> renewDue(Instant now) {
        return CompletableFuture.completedFuture(null);
    }

    /** How long after its {@code failures}-th failure in a row (from 1) work is tried again: 1 s, doubling to a minute. */
    static Duration retryBackoff(int failures) {
        Duration backoff = FIRST_RETRY.multipliedBy(1L << Math.min(Math.max(failures, 1) - 1, 6));
        return backoff.compareTo(LAST_RETRY) > 0 ? LAST_RETRY : backoff;
    }

    /** The status as of now, for the next publication. Serial. */
    abstract SniEntryStatus status(Instant now);

    /** Whether the object is still working towards its first outcome (a put waits for it). Serial. */
    abstract boolean settling();

    /** The main built entry, whatever the type (a client certificate for upstreams), or null. Any thread. */
    abstract SniEntry entry();

    /** The references the object reads. */
    final List<String> references() {
        return spec.values().stream().filter(SecretReference::isReference).distinct().toList();
    }

    /** Replaced or removed: from now on nothing it does is served. Serial. */
    void remove() {
        removed = true;
        settled();
    }

    /** Removed for good (a DELETE, not a replacement): what it kept elsewhere goes too. Serial. */
    void delete() {
    }

    final boolean removed() {
        return removed;
    }

    /** The status taken at the last publication. Any thread. */
    final SniEntryStatus published() {
        return published;
    }

    /** Called by the registry as it publishes a snapshot holding this machine's state. Serial. */
    final void publish(Instant now) {
        published = status(now);
    }

    /** Answers {@code result} with the status published once the object has settled (at once if it has). Serial. */
    final void whenSettled(CompletableFuture<SniEntryStatus> result) {
        if (settling() && !removed) {
            settledWaiters.add(result);
        } else {
            registry.afterNextPublication(() -> result.complete(published));
        }
    }

    /** The object reached an outcome: it and its waiters are told with the next publication. Serial. */
    final void settled() {
        inherited = null;
        registry.changed(this);
        List<CompletableFuture<SniEntryStatus>> waiters = List.copyOf(settledWaiters);
        settledWaiters.clear();
        registry.afterNextPublication(() -> waiters.forEach(w -> w.complete(published)));
    }

    /** A wait on {@code done} of this object's, for the resolve wait. */
    final SniWait waitOn(CompletableFuture<?> done) {
        return done.isDone() ? null : new SniWait(spec.id(), done, registry.resolveWait());
    }

    /** Claims every SNI of the object with {@code preparation}. */
    final void claimNames(SniPreparation preparation, Map<String, SniPreparation> exact,
                          Map<String, SniPreparation> wildcard, SniPreparation[] any) {
        for (String sni : spec.snis()) {
            if (sni.equals("*")) {
                if (any[0] == null) {
                    any[0] = preparation;
                }
            } else if (sni.startsWith("*.")) {
                wildcard.putIfAbsent(sni.substring(2), preparation);
            } else {
                exact.putIfAbsent(sni, preparation);
            }
        }
    }
}
