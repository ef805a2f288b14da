package io.github.vaultsni.sni;

import io.github.vaultsni.pem.CertifiedKey;

import java.util.Objects;

/**
 * What is served now: the current {@link SniCertificateIndex}, swapped whole by {@link #publish}. The index it
 * replaced is kept one generation longer, so a handshake that chose a key just before a swap still finds it.
 * The registry publishes here; the key manager, trust manager and SNI matcher read from here.
 */
public final class SniCertificates {
    private record Generations(SniCertificateIndex current, SniCertificateIndex previous) {
    }

    private volatile Generations generations =
            new Generations(SniCertificateIndex.empty(), SniCertificateIndex.empty());

    public SniCertificateIndex current() {
        return generations.current();
    }

    /** Makes {@code index} the one served from the next handshake on. */
    public synchronized void publish(SniCertificateIndex index) {
        generations = new Generations(Objects.requireNonNull(index, "index"), generations.current());
    }

    /** The key behind an alias from the current index or the one before it; null when neither has it. */
    CertifiedKey key(String alias) {
        Generations g = generations;
        CertifiedKey key = g.current().key(alias);
        return key != null ? key : g.previous().key(alias);
    }
}
