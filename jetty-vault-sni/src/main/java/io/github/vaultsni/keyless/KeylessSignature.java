package io.github.vaultsni.keyless;

import java.nio.ByteBuffer;
import java.security.InvalidAlgorithmParameterException;
import java.security.InvalidKeyException;
import java.security.InvalidParameterException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SignatureException;
import java.security.SignatureSpi;
import java.security.spec.AlgorithmParameterSpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.Set;

/**
 * A JCA signature that signs only with a {@link KeylessKey}: it hashes the message here and has the key's
 * {@link RemoteSigner} sign the digest (Transit's {@code prehashed}). It never verifies: public keys are verified by
 * the JDK's own providers.
 */
final class KeylessSignature extends SignatureSpi {
    /** The hashes RSASSA-PSS may name: TLS's. */
    static final Set<String> HASHES = Set.of("SHA-256", "SHA-384", "SHA-512");

    private final SignatureScheme scheme;
    /** The hash, fixed by the algorithm's name, or for RSASSA-PSS by its parameters; null until then. */
    private String hash;
    private MessageDigest digest;
    private KeylessKey key;

    /** @param hash the JCA hash name, or null for RSASSA-PSS, whose parameters name it */
    KeylessSignature(SignatureScheme scheme, String hash) {
        this.scheme = scheme;
        if (hash != null) {
            useHash(hash);
        }
    }

    @Override
    protected void engineInitSign(PrivateKey privateKey) throws InvalidKeyException {
        if (!(privateKey instanceof KeylessKey keyless) || !scheme.keyAlgorithm().equals(keyless.getAlgorithm())) {
            throw new InvalidKeyException("a keyless " + scheme + " signature signs with a keyless "
                    + scheme.keyAlgorithm() + " key only");
        }
        key = keyless;
        if (digest != null) {
            digest.reset();
        }
    }

    @Override
    protected void engineInitVerify(PublicKey publicKey) throws InvalidKeyException {
        throw new InvalidKeyException("keyless signatures only sign");
    }

    @Override
    protected void engineSetParameter(AlgorithmParameterSpec params) throws InvalidAlgorithmParameterException {
        if (scheme != SignatureScheme.RSA_PSS) {
            if (params != null) {
                throw new InvalidAlgorithmParameterException(scheme + " takes no parameters");
            }
            return;
        }
        if (!(params instanceof PSSParameterSpec pss) || !HASHES.contains(pss.getDigestAlgorithm())
                || !"MGF1".equalsIgnoreCase(pss.getMGFAlgorithm())
                || !(pss.getMGFParameters() instanceof MGF1ParameterSpec mgf)
                || !mgf.getDigestAlgorithm().equals(pss.getDigestAlgorithm())
                || pss.getTrailerField() != PSSParameterSpec.TRAILER_FIELD_BC) {
            throw new InvalidAlgorithmParameterException("keyless RSASSA-PSS: SHA-256, SHA-384 or SHA-512 with MGF1 "
                    + "of the same hash, as TLS signs");
        }
        useHash(pss.getDigestAlgorithm());
        if (pss.getSaltLength() != digest.getDigestLength()) {
            throw new InvalidAlgorithmParameterException("keyless RSASSA-PSS: the salt is as long as the hash ("
                    + digest.getDigestLength() + " bytes), as TLS signs, not " + pss.getSaltLength());
        }
    }

    private void useHash(String name) {
        try {
            hash = name;
            digest = MessageDigest.getInstance(name);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no " + name, e);
        }
    }

    @Override
    protected void engineUpdate(byte b) throws SignatureException {
        ready().update(b);
    }

    @Override
    protected void engineUpdate(byte[] b, int off, int len) throws SignatureException {
        ready().update(b, off, len);
    }

    @Override
    protected void engineUpdate(ByteBuffer input) {
        if (digest == null) {
            throw new IllegalStateException("RSASSA-PSS needs its parameters first");
        }
        digest.update(input);
    }

    @Override
    protected byte[] engineSign() throws SignatureException {
        byte[] hashed = ready().digest();
        if (key == null) {
            throw new SignatureException("not initialised for signing");
        }
        return key.signer().sign(scheme, hash, hashed);
    }

    @Override
    protected boolean engineVerify(byte[] sigBytes) throws SignatureException {
        throw new SignatureException("keyless signatures only sign");
    }

    private MessageDigest ready() throws SignatureException {
        if (digest == null) {
            throw new SignatureException("RSASSA-PSS needs its parameters first");
        }
        return digest;
    }

    @Override
    @Deprecated
    protected void engineSetParameter(String param, Object value) {
        throw new InvalidParameterException("no parameter " + param);
    }

    @Override
    @Deprecated
    protected Object engineGetParameter(String param) {
        throw new InvalidParameterException("no parameter " + param);
    }
}
