package io.github.vaultsni.sni;

/**
 * Work a name needs before it can be served, as the registry knows it: an SSL object still being built claims
 * its names; an object whose certificates are issued per name claims the names under its wildcards. Held by a
 * {@link SniCertificateIndex} and asked by the ClientHello reader, before the TLS engine sees the hello.
 */
@FunctionalInterface
public interface SniPreparation {

    /**
     * What a handshake for {@code name} (normalised) must wait for now, or null when there is nothing to wait for
     * (or the wait is refused: a cap, a rate, an open breaker); may start that work (an issuance). Quick and
     * thread-safe: called on connector threads, it never blocks.
     */
    SniWait prepare(String name);

    /**
     * A handshake the ClientHello reader did not see (a connector without it) asks for {@code name} in the TLS engine:
     * start its work, for its next handshake. Unlike {@link #prepare}, not a connection's admission (a refusal is
     * neither counted nor logged again for it). Quick, thread-safe, never blocks.
     */
    default void prepareUncounted(String name) {
        prepare(name);
    }
}
