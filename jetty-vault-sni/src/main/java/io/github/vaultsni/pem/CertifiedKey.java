package io.github.vaultsni.pem;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A certificate chain (leaf first, then its issuers in order) and the leaf's private key: what a TLS server
 * presents for one name. Immutable. {@code toString()} describes the leaf and never prints the key.
 */
public final class CertifiedKey {
    private final List<X509Certificate> chain;
    private final PrivateKey privateKey;
    private final List<String> dnsNames;
    /** The private key as a TLS provider's own key object, made on first request (see {@link #privateKey(Provider)}). */
    private volatile ProviderKey providerKey;

    private record ProviderKey(Provider provider, PrivateKey key) {
    }

    CertifiedKey(List<X509Certificate> chain, PrivateKey privateKey) {
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("a certified key needs at least one certificate");
        }
        this.chain = List.copyOf(chain);
        this.privateKey = Objects.requireNonNull(privateKey, "privateKey");
        this.dnsNames = dnsNames(chain.get(0));
    }

    public List<X509Certificate> chain() {
        return chain;
    }

    public X509Certificate leaf() {
        return chain.get(0);
    }

    public PrivateKey privateKey() {
        return privateKey;
    }

    /**
     * The private key as a key object of {@code provider}, made once and kept. A TLS provider handed another
     * provider's key object re-reads it on every handshake: Conscrypt then takes 1.3-1.7 ms per RSA-2048 signature
     * instead of 0.7. The key as it is when {@code provider} cannot import it.
     */
    public PrivateKey privateKey(Provider provider) {
        ProviderKey made = providerKey;
        if (made == null || made.provider() != provider) {
            made = new ProviderKey(provider, imported(provider));
            providerKey = made;
        }
        return made.key();
    }

    private PrivateKey imported(Provider provider) {
        if (isRemote()) {
            return privateKey;
        }
        try {
            return KeyFactory.getInstance(privateKey.getAlgorithm(), provider)
                    .generatePrivate(new PKCS8EncodedKeySpec(privateKey.getEncoded()));
        } catch (GeneralSecurityException | RuntimeException unsupported) {
            return privateKey;
        }
    }

    /**
     * Whether the private key is not here but a handle to one kept elsewhere (Vault Transit): it has no encoding, and
     * only a provider of its own signs with it, which a TLS provider's native code (Conscrypt's) cannot call.
     */
    public boolean isRemote() {
        return privateKey.getEncoded() == null;
    }

    /**
     * The key type JSSE asks a key manager for: {@code RSA}, {@code EC} or {@code EdDSA}.
     */
    public String keyType() {
        return keyType(privateKey.getAlgorithm());
    }

    static String keyType(String algorithm) {
        return switch (algorithm.toUpperCase(Locale.ROOT)) {
            case "RSA" -> "RSA";
            case "EC", "ECDSA" -> "EC";
            case "ED25519", "ED448", "EDDSA" -> "EdDSA";
            default -> algorithm;
        };
    }

    /** The leaf's subjectAltName DNS names, lower case, in certificate order. */
    public List<String> dnsNames() {
        return dnsNames;
    }

    public String subject() {
        return leaf().getSubjectX500Principal().getName();
    }

    public Instant notBefore() {
        return leaf().getNotBefore().toInstant();
    }

    public Instant notAfter() {
        return leaf().getNotAfter().toInstant();
    }

    /** Whether the leaf is valid at {@code now} (inclusive bounds, as X.509 says). */
    public boolean isValidAt(Instant now) {
        return !now.isBefore(notBefore()) && !now.isAfter(notAfter());
    }

    private static List<String> dnsNames(X509Certificate leaf) {
        List<String> names = new ArrayList<>();
        try {
            Collection<List<?>> sans = leaf.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    if (Integer.valueOf(2).equals(san.get(0))) {
                        names.add(san.get(1).toString().toLowerCase(Locale.ROOT));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // A malformed SAN extension: the certificate still has its subject.
        }
        return List.copyOf(names);
    }

    @Override
    public String toString() {
        return "CertifiedKey{" + keyType() + " " + subject() + ", SANs " + dnsNames + ", not after " + notAfter()
                + ", chain of " + chain.size() + "}";
    }
}
