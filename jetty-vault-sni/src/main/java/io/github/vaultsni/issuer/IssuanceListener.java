package io.github.vaultsni.issuer;

/**
 * Hears each certificate an SSL object with an issuer obtained, or failed to, for metrics: how often Vault PKI is
 * asked, and whether it answers. Renewals count as issuances; a certificate still valid is not reported again.
 *
 * <p>Called on the issuance thread: implementations must be quick, must not block, and never see a key.
 */
@FunctionalInterface
public interface IssuanceListener {

    /** How obtaining a certificate ended. */
    enum Outcome {
        /** The authority issued a new certificate. */
        ISSUED,
        /** A stored certificate that still fits was served without asking the authority (a restart, another node). */
        ADOPTED,
        /** The authority refused or could not be reached; retried with backoff. */
        FAILED,
        /**
         * A new name under a wildcard was refused before the authority was asked (its object's {@code max_names}
         * or {@code names_per_minute}, or the authority failing): the handshake for it is refused.
         */
        REFUSED
    }

    /**
     * @param ssl     the SSL object's id
     * @param outcome how obtaining its certificate ended
     */
    void issuance(String ssl, Outcome outcome);
}
