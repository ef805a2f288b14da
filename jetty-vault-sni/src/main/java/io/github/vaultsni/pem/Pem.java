package io.github.vaultsni.pem;

import org.bouncycastle.asn1.ASN1BitString;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.jcajce.provider.asymmetric.util.EC5Util;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.jce.spec.ECParameterSpec;
import org.bouncycastle.math.ec.FixedPointCombMultiplier;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8DecryptorProviderBuilder;
import org.bouncycastle.openssl.jcajce.JcePEMDecryptorProviderBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.bouncycastle.pkcs.PKCSException;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Provider;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.EllipticCurve;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * PEM text to key material and back: pure functions, no I/O, no clock.
 *
 * <p>Keys: RSA in PKCS#1 ({@code RSA PRIVATE KEY}) or PKCS#8, EC in SEC1 ({@code EC PRIVATE KEY}, an
 * {@code EC PARAMETERS} block before it is skipped) or PKCS#8, Ed25519 in PKCS#8, and encrypted PKCS#8
 * ({@code ENCRYPTED PRIVATE KEY}) or legacy OpenSSL-encrypted PKCS#1/SEC1 with a passphrase.
 *
 * <p>Chains: the certificates may come in any order; the leaf is the one whose public key matches the
 * private key, and the rest are put in issuing order after it (reordered, not rejected). A certificate that is
 * not part of that chain is rejected. Validity dates are not checked here: whether an expired leaf is served
 * is the SNI index's choice, which prefers currently valid certificates.
 *
 * <p>Errors are {@link IllegalArgumentException}s whose message starts with the source name the caller gives
 * (a reference or a field name) and never quotes the PEM: {@code "kv/apisix/ssl#test.com.key: no PRIVATE KEY
 * block"}.
 */
public final class Pem {
    /** Bouncy Castle's ciphers for encrypted keys, as an instance: nothing is registered JVM-wide. */
    private static final Provider BOUNCY_CASTLE = new BouncyCastleProvider();

    private Pem() {
    }

    /** The certificates in {@code pem}, in the order given. */
    public static List<X509Certificate> decodeCertificates(String source, String pem) {
        List<X509Certificate> certificates = new ArrayList<>();
        for (Object block : blocks(source, pem)) {
            if (block instanceof X509CertificateHolder holder) {
                certificates.add(certificate(source, holder));
            } else if (isPrivateKey(block)) {
                throw invalid(source, "holds a private key; it belongs in the key");
            }
        }
        if (certificates.isEmpty()) {
            throw invalid(source, "no CERTIFICATE block");
        }
        return List.copyOf(certificates);
    }

    /** The one private key in {@code pem}; {@code passphrase} only for an encrypted key (else null). */
    public static PrivateKey decodePrivateKey(String source, String pem, char[] passphrase) {
        return decodeKey(source, pem, passphrase).key();
    }

    private static DecodedKey decodeKey(String source, String pem, char[] passphrase) {
        List<Object> keys = new ArrayList<>();
        for (Object block : blocks(source, pem)) {
            if (isPrivateKey(block)) {
                keys.add(block);
            }
        }
        if (keys.isEmpty()) {
            throw invalid(source, "no PRIVATE KEY block");
        }
        if (keys.size() > 1) {
            throw invalid(source, keys.size() + " private keys, expected 1");
        }
        return privateKey(source, keys.get(0), passphrase);
    }

    /** A private key, and the public point an EC key file carries beside it (null when it carries none). */
    private record DecodedKey(PrivateKey key, byte[] carriedPoint) {
    }

    /**
     * A certificate chain and its private key, checked to belong together and put in order.
     *
     * @param certSource names the certificate PEM in errors
     * @param keySource  names the key PEM in errors
     */
    public static CertifiedKey decodeCertifiedKey(String certSource, String certPem, String keySource, String keyPem,
                                                  char[] passphrase) {
        List<X509Certificate> certificates = decodeCertificates(certSource, certPem);
        DecodedKey key = decodeKey(keySource, keyPem, passphrase);
        X509Certificate leaf = null;
        for (X509Certificate candidate : certificates) {
            if (matches(candidate.getPublicKey(), key)) {
                leaf = candidate;
                break;
            }
        }
        if (leaf == null) {
            throw invalid(keySource, certificates.size() == 1 ? "private key does not match the certificate"
                    : "private key matches none of the " + certificates.size() + " certificates");
        }
        return new CertifiedKey(chainFrom(certSource, leaf, certificates), key.key());
    }

    /**
     * A certificate chain whose private key is kept elsewhere: {@code handle} stands for the key of the certificate
     * in {@code certificates} whose public key is {@code publicKey} (e.g. a Vault Transit key's), which is the leaf.
     *
     * @throws IllegalArgumentException when no certificate holds {@code publicKey}
     */
    public static CertifiedKey certifiedHandle(String certSource, List<X509Certificate> certificates,
                                               PublicKey publicKey, PrivateKey handle) {
        for (X509Certificate candidate : certificates) {
            if (java.util.Arrays.equals(candidate.getPublicKey().getEncoded(), publicKey.getEncoded())) {
                return new CertifiedKey(chainFrom(certSource, candidate, certificates), handle);
            }
        }
        throw invalid(certSource, "no certificate holds the signer's public key");
    }

    /** The one public key ({@code PUBLIC KEY}, SubjectPublicKeyInfo) in {@code pem}. */
    public static PublicKey decodePublicKey(String source, String pem) {
        List<Object> blocks = blocks(source, pem);
        if (blocks.size() != 1 || !(blocks.get(0) instanceof SubjectPublicKeyInfo info)) {
            throw invalid(source, "expected one PUBLIC KEY block");
        }
        try {
            return new JcaPEMKeyConverter().getPublicKey(info);
        } catch (IOException e) {
            throw invalid(source, "unreadable public key (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** Certificates as PEM, one {@code CERTIFICATE} block each. */
    public static String encodeCertificates(List<X509Certificate> certificates) {
        StringBuilder out = new StringBuilder();
        for (X509Certificate certificate : certificates) {
            try {
                out.append(block("CERTIFICATE", certificate.getEncoded()));
            } catch (java.security.cert.CertificateEncodingException e) {
                throw new IllegalArgumentException("certificate cannot be encoded", e);
            }
        }
        return out.toString();
    }

    /** A private key as an unencrypted PKCS#8 {@code PRIVATE KEY} block. */
    public static String encodePrivateKey(PrivateKey key) {
        return block("PRIVATE KEY", key.getEncoded());
    }

    private static String block(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, new byte[]{'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static List<Object> blocks(String source, String pem) {
        if (pem == null || pem.isBlank()) {
            throw invalid(source, "empty");
        }
        List<Object> blocks = new ArrayList<>();
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            for (Object block = parser.readObject(); block != null; block = parser.readObject()) {
                blocks.add(block);
            }
        } catch (IOException | RuntimeException e) {
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw invalid(source, why.contains("not found") ? "truncated PEM (" + why + ")" : "malformed PEM ("
                    + e.getClass().getSimpleName() + ")");
        }
        return blocks;
    }

    private static boolean isPrivateKey(Object block) {
        return block instanceof PEMKeyPair || block instanceof PrivateKeyInfo
                || block instanceof PKCS8EncryptedPrivateKeyInfo || block instanceof PEMEncryptedKeyPair;
    }

    private static X509Certificate certificate(String source, X509CertificateHolder holder) {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(holder.getEncoded()));
        } catch (CertificateException | IOException e) {
            throw invalid(source, "unreadable certificate (" + e.getClass().getSimpleName() + ")");
        }
    }

    private static DecodedKey privateKey(String source, Object block, char[] passphrase) {
        try {
            if (block instanceof PEMKeyPair pair) {
                return jdkKey(source, pair.getPrivateKeyInfo());
            }
            if (block instanceof PrivateKeyInfo info) {
                return jdkKey(source, info);
            }
            if (passphrase == null || passphrase.length == 0) {
                throw invalid(source, "encrypted private key needs a passphrase");
            }
            if (block instanceof PKCS8EncryptedPrivateKeyInfo encrypted) {
                return jdkKey(source, encrypted.decryptPrivateKeyInfo(
                        new JceOpenSSLPKCS8DecryptorProviderBuilder().setProvider(BOUNCY_CASTLE).build(passphrase)));
            }
            PEMEncryptedKeyPair legacy = (PEMEncryptedKeyPair) block;
            return jdkKey(source, legacy.decryptKeyPair(new JcePEMDecryptorProviderBuilder()
                    .setProvider(BOUNCY_CASTLE).build(passphrase)).getPrivateKeyInfo());
        } catch (PKCSException | OperatorCreationException e) {
            throw invalid(source, "wrong passphrase for the encrypted private key");
        } catch (IOException e) {
            throw invalid(source, "wrong passphrase for the encrypted private key");
        }
    }

    /** The key as the JDK's own key object (what JSSE signs with best), chosen by the key's algorithm OID. */
    private static DecodedKey jdkKey(String source, PrivateKeyInfo info) throws IOException {
        ASN1ObjectIdentifier oid = info.getPrivateKeyAlgorithm().getAlgorithm();
        String algorithm;
        if (oid.equals(PKCSObjectIdentifiers.rsaEncryption)) {
            algorithm = "RSA";
        } else if (oid.equals(X9ObjectIdentifiers.id_ecPublicKey)) {
            algorithm = "EC";
        } else if (oid.equals(EdECObjectIdentifiers.id_Ed25519)) {
            algorithm = "Ed25519";
        } else {
            throw invalid(source, "unsupported private key algorithm " + oid.getId());
        }
        try {
            PrivateKey key = KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(info.getEncoded()));
            return new DecodedKey(key, algorithm.equals("EC") ? carriedPoint(info) : null);
        } catch (GeneralSecurityException e) {
            throw invalid(source, "unreadable " + algorithm + " private key");
        }
    }

    /** SEC1's optional public key inside an EC private key, which OpenSSL, Go and Vault always write; else null. */
    private static byte[] carriedPoint(PrivateKeyInfo info) {
        try {
            ASN1BitString point = org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(info.parsePrivateKey()).getPublicKey();
            return point == null ? null : point.getOctets();
        } catch (IOException | IllegalArgumentException unreadable) {
            return null; // the key itself was read; d * G decides
        }
    }

    /**
     * Whether {@code key} is the private half of {@code publicKey}. RSA by modulus; EC by the public point the key
     * file carries when it carries one, which is what OpenSSL's {@code X509_check_private_key} compares (so nginx
     * and APISIX accept exactly these pairs), else by computing {@code d * G}; others by a signature.
     */
    private static boolean matches(PublicKey publicKey, DecodedKey decoded) {
        PrivateKey key = decoded.key();
        String type = CertifiedKey.keyType(publicKey.getAlgorithm());
        if (!type.equals(CertifiedKey.keyType(key.getAlgorithm()))) {
            return false;
        }
        if (publicKey instanceof RSAPublicKey rsaPublic && key instanceof RSAPrivateKey rsaPrivate) {
            return rsaPublic.getModulus().equals(rsaPrivate.getModulus());
        }
        if (publicKey instanceof ECPublicKey ecPublic && key instanceof ECPrivateKey ecPrivate) {
            ECPoint point = decoded.carriedPoint() != null ? decodePoint(ecPrivate, decoded.carriedPoint())
                    : ecPublicPoint(ecPrivate);
            return ecPublic.getW().equals(point);
        }
        try {
            String algorithm = type.equals("EC") ? "SHA256withECDSA" : key.getAlgorithm();
            byte[] probe = "certified-key-match".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static final Map<EllipticCurve, ECParameterSpec> EC_CURVES = new ConcurrentHashMap<>();

    /**
     * Loads and exercises the EC key check on a P-256 key, so that the first certificate a server is given is
     * not the one that pays for class loading. Safe to call from any thread, any number of times.
     */
    public static void warmUp() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair pair = generator.generateKeyPair();
            matches(pair.getPublic(), new DecodedKey(pair.getPrivate(), null));
        } catch (GeneralSecurityException e) {
            // nothing to warm: EC keys are then refused when they come, with their own message
        }
    }

    /**
     * The public point of an EC private key, {@code d * G}: one scalar multiplication with BouncyCastle's curve
     * arithmetic instead of the JDK's sign-then-verify, which took 71 % of a start with 2,000 SSL objects.
     * Its first use loads BouncyCastle's curve classes (about 0.3 s): {@link #warmUp()} does that ahead of time.
     */
    private static ECPoint ecPublicPoint(ECPrivateKey key) {
        return affine(new FixedPointCombMultiplier().multiply(curve(key).getG(), key.getS()));
    }

    /** An encoded point (compressed or not) on the key's curve; null when it is not one. */
    private static ECPoint decodePoint(ECPrivateKey key, byte[] encoded) {
        try {
            return affine(curve(key).getCurve().decodePoint(encoded));
        } catch (IllegalArgumentException notOnTheCurve) {
            return null;
        }
    }

    /** One converted curve per curve: BouncyCastle keeps its precomputed multiples of G on the curve's point. */
    private static ECParameterSpec curve(ECPrivateKey key) {
        return EC_CURVES.computeIfAbsent(key.getParams().getCurve(), c -> EC5Util.convertSpec(key.getParams()));
    }

    private static ECPoint affine(org.bouncycastle.math.ec.ECPoint point) {
        org.bouncycastle.math.ec.ECPoint normalized = point.normalize();
        return new ECPoint(normalized.getAffineXCoord().toBigInteger(), normalized.getAffineYCoord().toBigInteger());
    }

    /** The leaf, then each issuer found among {@code certificates}; anything left over is rejected. */
    private static List<X509Certificate> chainFrom(String source, X509Certificate leaf, List<X509Certificate> certificates) {
        List<X509Certificate> chain = new ArrayList<>(List.of(leaf));
        List<X509Certificate> rest = new ArrayList<>(certificates);
        rest.remove(leaf);
        X509Certificate current = leaf;
        while (!rest.isEmpty() && !isSelfIssued(current)) {
            X509Certificate issuer = null;
            for (X509Certificate candidate : rest) {
                if (candidate.getSubjectX500Principal().equals(current.getIssuerX500Principal())) {
                    issuer = candidate;
                    break;
                }
            }
            if (issuer == null) {
                break;
            }
            chain.add(issuer);
            rest.remove(issuer);
            current = issuer;
        }
        if (!rest.isEmpty()) {
            throw invalid(source, "certificate '" + rest.get(0).getSubjectX500Principal().getName()
                    + "' is not part of the chain of '" + leaf.getSubjectX500Principal().getName() + "'");
        }
        return chain;
    }

    private static boolean isSelfIssued(X509Certificate certificate) {
        return certificate.getSubjectX500Principal().equals(certificate.getIssuerX500Principal());
    }

    private static PemException invalid(String source, String why) {
        return new PemException(source, why);
    }
}
