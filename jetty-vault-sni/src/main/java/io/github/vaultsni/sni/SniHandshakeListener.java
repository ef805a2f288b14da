package io.github.vaultsni.sni;

/**
 * Hears how each full TLS handshake on a {@link VaultSniSslContextFactory} ended, for metrics: the seam between the
 * handshake path and whatever counts (the library's {@code io.github.vaultsni.metrics.VaultSniMetrics}, a
 * gateway's). Resumed sessions are not reported: no certificate was chosen for them.
 *
 * <p>Called on the handshake's thread, once per handshake: implementations must not block, do I/O or take locks
 * that handshakes contend on. Add one with {@link SniCertificates#addHandshakeListener}.
 */
@FunctionalInterface
public interface SniHandshakeListener {

    /** How a full handshake ended. */
    enum Outcome {
        /** A certificate was served and the handshake completed. */
        SERVED,
        /** No entry covers the name the client asked for (or it sent none and nothing serves such clients). */
        UNKNOWN_NAME,
        /** The entry for the name does not allow the TLS version the client negotiated. */
        PROTOCOL_REFUSED,
        /** The entry verifies clients and the client's certificate was missing or not trusted. */
        CLIENT_CERTIFICATE_REFUSED,
        /** The client's certificate was trusted, but its entry's revocation list lists it. */
        CLIENT_CERTIFICATE_REVOKED
    }

    /**
     * @param sni     the normalised name the client asked for ({@link SniNames#normalizeClientName}), or null when
     *                it sent none; chosen by the client, so a listener that keeps names must bound them
     * @param outcome how the handshake ended
     */
    void handshake(String sni, Outcome outcome);
}
