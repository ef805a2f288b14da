package io.github.vaultsni.sni;

import io.github.vaultsni.pem.CertifiedKey;

import java.security.PrivateKey;
import java.security.Provider;
import java.util.Arrays;
import java.util.Objects;

/**
 * What is served now: the current {@link SniCertificateIndex}, swapped whole by {@link #publish}. The index it
 * replaced is kept one generation longer, so a handshake that chose a key just before a swap still finds it.
 * The registry publishes here; the key manager, trust manager and SNI matcher read from here, and tell the
 * {@link SniHandshakeListener}s added here how each handshake ended.
 */
public final class SniCertificates {
    private record Generations(SniCertificateIndex current, SniCertificateIndex previous) {
    }

    private volatile Generations generations =
            new Generations(SniCertificateIndex.empty(), SniCertificateIndex.empty());
    /** The TLS provider whose own key objects handshakes get; null: the keys as they were decoded. */
    private volatile Provider keyProvider;
    /** Replaced whole on every change, so a handshake reads one array without a lock. */
    private volatile SniHandshakeListener[] handshakeListeners = new SniHandshakeListener[0];
    private final SniHandshakes handshakes = new SniHandshakes(this);

    public SniCertificateIndex current() {
        return generations.current();
    }

    /**
     * Makes {@code index} the one served from the next handshake on, its keys already in the key provider's form
     * (made here, by the publisher, not by a handshake).
     */
    public synchronized void publish(SniCertificateIndex index) {
        Objects.requireNonNull(index, "index");
        prepareKeys(index, keyProvider);
        generations = new Generations(index, generations.current());
    }

    /**
     * Hands handshakes {@code provider}'s own key objects (for a provider such as Conscrypt, which re-reads any
     * other key on every handshake); null for the keys as decoded. The served keys are converted at once.
     */
    public synchronized void useKeysOf(Provider provider) {
        keyProvider = provider;
        prepareKeys(generations.current(), provider);
    }

    private static void prepareKeys(SniCertificateIndex index, Provider provider) {
        if (provider != null) {
            index.entries().forEach(entry -> entry.keys().forEach(key -> key.privateKey(provider)));
        }
    }

    /**
     * The entry serving {@code name} (normalised; null: no SNI), as {@link SniCertificateIndex#lookup}: map reads,
     * on the handshake path. A name not served yet whose work is not started (a client that reached the key manager
     * without the ClientHello reader) gets that work started here, for its next handshake; this one is refused.
     */
    SniEntry entryFor(String name) {
        SniCertificateIndex index = current();
        SniEntry entry = index.lookup(name);
        if (entry == null && name != null) {
            SniPreparation preparation = index.preparation(name);
            if (preparation != null) {
                preparation.prepareUncounted(name);
            }
        }
        return entry;
    }

    /**
     * What a handshake for {@code name} (normalised; null: no SNI) must wait for before its certificate is chosen,
     * or null when nothing (it is served, or refused, now). May start the work. Never blocks.
     */
    public SniWait prepare(String name) {
        if (name == null) {
            return null;
        }
        SniPreparation preparation = current().preparation(name);
        return preparation == null ? null : preparation.prepare(name);
    }

    /** A served private key in the form handshakes get (see {@link #useKeysOf}). */
    PrivateKey privateKey(CertifiedKey key) {
        Provider provider = keyProvider;
        return provider == null ? key.privateKey() : key.privateKey(provider);
    }

    /** The key behind an alias from the current index or the one before it; null when neither has it. */
    CertifiedKey key(String alias) {
        Generations g = generations;
        CertifiedKey key = g.current().key(alias);
        return key != null ? key : g.previous().key(alias);
    }

    /** From the next handshake on, {@code listener} hears how each full handshake ended. */
    public synchronized void addHandshakeListener(SniHandshakeListener listener) {
        Objects.requireNonNull(listener, "listener");
        SniHandshakeListener[] more = Arrays.copyOf(handshakeListeners, handshakeListeners.length + 1);
        more[more.length - 1] = listener;
        handshakeListeners = more;
    }

    public synchronized void removeHandshakeListener(SniHandshakeListener listener) {
        handshakeListeners = Arrays.stream(handshakeListeners).filter(l -> l != listener)
                .toArray(SniHandshakeListener[]::new);
    }

    /** The handshakes in progress, as the handshake-time components note them. */
    SniHandshakes handshakes() {
        return handshakes;
    }

    /** Tells every listener how a handshake ended (see {@link SniHandshakes} for when each outcome is told). */
    void handshake(String sni, SniHandshakeListener.Outcome outcome) {
        for (SniHandshakeListener listener : handshakeListeners) {
            listener.handshake(sni, outcome);
        }
    }
}
