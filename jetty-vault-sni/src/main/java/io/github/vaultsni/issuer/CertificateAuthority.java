package io.github.vaultsni.issuer;

import java.util.List;

/**
 * Issues certificates: called off the handshake path, on the issuance threads, and may block for the network.
 * {@link VaultPkiAuthority} is Vault's PKI engine.
 */
public interface CertificateAuthority {

    /**
     * A certificate for {@code names} (the first as its common name) under {@code spec}.
     *
     * @throws RuntimeException saying why (no such secret object, Vault refused, unreachable, ...); never with a
     *                          secret in its message
     */
    IssuedCertificate issue(IssuerSpec spec, List<String> names);
}
