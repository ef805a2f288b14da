package io.github.vaultsni.sni;

import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;

/**
 * Whether an entry's client certificate, already verified against the entry's CA, has been revoked: answered from
 * a revocation list held in memory (a map read; never I/O in the handshake).
 */
@FunctionalInterface
public interface SniClientRevocation {
    /** Revocation is not checked. */
    SniClientRevocation NONE = leaf -> { };

    /**
     * @throws CertificateException ({@link java.security.cert.CertificateRevokedException} when listed) when
     *                              the client certificate is not to be accepted: revoked, or no usable list while
     *                              the entry fails closed
     */
    void check(X509Certificate leaf) throws CertificateException;
}
