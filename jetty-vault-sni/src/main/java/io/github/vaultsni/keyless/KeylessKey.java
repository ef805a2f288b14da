package io.github.vaultsni.keyless;

import java.io.NotSerializableException;
import java.io.ObjectOutputStream;
import java.math.BigInteger;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECParameterSpec;
import java.util.Objects;

/**
 * A private key that is not here: a handle that JSSE holds where it would hold a key, and that only the
 * {@link KeylessProvider}'s signatures accept, each signature made by its {@link RemoteSigner} (Vault Transit). It
 * has no encoding and no key material; it tells JSSE what JSSE reads of a key to choose a signature scheme (its
 * algorithm, an EC key's curve, an RSA key's modulus), all taken from the certificate's public key.
 */
public abstract sealed class KeylessKey implements PrivateKey permits KeylessKey.Ec, KeylessKey.Rsa {
    private static final long serialVersionUID = 1L;

    private final transient RemoteSigner signer;
    private final String description;

    private KeylessKey(RemoteSigner signer, String description) {
        this.signer = Objects.requireNonNull(signer, "signer");
        this.description = Objects.requireNonNull(description, "description");
    }

    /**
     * A handle for the private key of {@code publicKey} (a certificate's), signing through {@code signer}.
     *
     * @param description what the key is, for messages, e.g. {@code vault_transit vault-1:transit/keys/gateway v1}
     * @throws IllegalArgumentException for a key neither EC nor RSA
     */
    public static KeylessKey of(PublicKey publicKey, RemoteSigner signer, String description) {
        if (publicKey instanceof ECPublicKey ec) {
            return new Ec(ec.getParams(), signer, description);
        }
        if (publicKey instanceof RSAPublicKey rsa) {
            return new Rsa(rsa.getModulus(), signer, description);
        }
        throw new IllegalArgumentException("a keyless key is EC or RSA, not " + publicKey.getAlgorithm());
    }

    RemoteSigner signer() {
        return signer;
    }

    /** None: the key is not here. */
    @Override
    public final String getFormat() {
        return null;
    }

    /** None: the key is not here. */
    @Override
    public final byte[] getEncoded() {
        return null;
    }

    private void writeObject(ObjectOutputStream out) throws NotSerializableException {
        throw new NotSerializableException("a keyless key is a handle to a key elsewhere");
    }

    @Override
    public String toString() {
        return "KeylessKey{" + getAlgorithm() + ", " + description + "}";
    }

    /** An EC key's handle: JSSE matches ECDSA schemes to its curve. */
    public static final class Ec extends KeylessKey implements ECKey {
        private static final long serialVersionUID = 1L;
        private final transient ECParameterSpec params;

        private Ec(ECParameterSpec params, RemoteSigner signer, String description) {
            super(signer, description);
            this.params = params;
        }

        @Override
        public String getAlgorithm() {
            return "EC";
        }

        @Override
        public ECParameterSpec getParams() {
            return params;
        }
    }

    /** An RSA key's handle: JSSE sizes the hashes it may use by its modulus. */
    public static final class Rsa extends KeylessKey implements RSAKey {
        private static final long serialVersionUID = 1L;
        private final BigInteger modulus;

        private Rsa(BigInteger modulus, RemoteSigner signer, String description) {
            super(signer, description);
            this.modulus = modulus;
        }

        @Override
        public String getAlgorithm() {
            return "RSA";
        }

        @Override
        public BigInteger getModulus() {
            return modulus;
        }
    }
}
