package io.github.vaultsni.keyless;

import java.security.SignatureException;

/**
 * Signs a digest with a private key held elsewhere (Vault Transit): what a {@link KeylessKey} stands for. Called on
 * the thread making a handshake, which waits for the answer, bounded by {@link RemoteSignings}.
 */
@FunctionalInterface
public interface RemoteSigner {
    /**
     * @param scheme  how to sign
     * @param hash    the digest's JCA hash name: {@code SHA-1}, {@code SHA-256}, {@code SHA-384} or {@code SHA-512}
     * @param digest  the message's digest
     * @return the signature, as the JCA's {@code Signature} of that scheme makes it (ECDSA: ASN.1 DER)
     * @throws SignatureException when it cannot be made in time, saying why (never with a secret)
     */
    byte[] sign(SignatureScheme scheme, String hash, byte[] digest) throws SignatureException;
}
