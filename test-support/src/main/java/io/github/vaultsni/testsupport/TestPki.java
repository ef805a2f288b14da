package io.github.vaultsni.testsupport;

import org.bouncycastle.asn1.ASN1BitString;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Certificates for tests, made on the spot: a root, intermediates, leaves with DNS names, in RSA-2048, EC P-256
 * or Ed25519, and their keys in every PEM form servers meet (PKCS#8, PKCS#1/SEC1, encrypted PKCS#8). No
 * checked-in keystores.
 */
public final class TestPki {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final AtomicLong SERIAL = new AtomicLong(System.nanoTime());

    private TestPki() {
    }

    /** A key algorithm: {@code RSA}, {@code EC} (P-256) or {@code Ed25519}. */
    public static KeyPair keyPair(String algorithm) {
        try {
            switch (algorithm) {
                case "RSA" -> {
                    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
                    g.initialize(2048, RANDOM);
                    return g.generateKeyPair();
                }
                case "EC" -> {
                    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
                    g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
                    return g.generateKeyPair();
                }
                case "Ed25519" -> {
                    return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
                }
                default -> throw new IllegalArgumentException("unknown key algorithm " + algorithm);
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A PKCS#12 key store trusting these certificates. */
    public static KeyStore trustStore(X509Certificate... trusted) {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            for (int i = 0; i < trusted.length; i++) {
                store.setCertificateEntry("trusted-" + i, trusted[i]);
            }
            return store;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A private key as PKCS#1 {@code RSA PRIVATE KEY} or SEC1 {@code EC PRIVATE KEY}, as OpenSSL, Go and Vault
     * write them (SEC1 with its curve and public key inside).
     */
    public static String traditionalPrivateKeyPem(KeyPair keys) {
        try {
            PrivateKeyInfo info = PrivateKeyInfo.getInstance(keys.getPrivate().getEncoded());
            if (keys.getPrivate().getAlgorithm().equals("RSA")) {
                return pem("RSA PRIVATE KEY", info.parsePrivateKey().toASN1Primitive().getEncoded());
            }
            ECPrivateKey inner = ECPrivateKey.getInstance(info.parsePrivateKey());
            ASN1BitString publicKey = SubjectPublicKeyInfo.getInstance(keys.getPublic().getEncoded()).getPublicKeyData();
            ECPrivateKey sec1 = new ECPrivateKey(256, inner.getKey(), publicKey, info.getPrivateKeyAlgorithm().getParameters());
            return pem("EC PRIVATE KEY", sec1.getEncoded());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A JDK client TLS context trusting {@code root}, and presenting {@code client}'s chain when it is not null. */
    public static SSLContext clientContext(Issued root, Issued client) {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
            tmf.init(trustStore(root.certificate()));
            KeyManagerFactory kmf = null;
            if (client != null) {
                KeyStore keys = KeyStore.getInstance("PKCS12");
                keys.load(null, null);
                keys.setKeyEntry("client", client.keys().getPrivate(), new char[0],
                        client.chain().toArray(X509Certificate[]::new));
                kmf = KeyManagerFactory.getInstance("PKIX");
                kmf.init(keys, new char[0]);
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A self-signed root CA valid for ten years from now. */
    public static Issued rootCa(String commonName, String algorithm) {
        KeyPair keys = keyPair(algorithm);
        Instant now = Instant.now();
        X509Certificate cert = sign(new X500Name("CN=" + commonName), new X500Name("CN=" + commonName), keys,
                keys, now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(3650)), true, List.of());
        return new Issued(cert, keys, List.of(), keys);
    }

    /** A certificate, its key pair, the chain of issuers above it (root last) and the issuer's keys. */
    public record Issued(X509Certificate certificate, KeyPair keys, List<X509Certificate> issuers, KeyPair issuerKeys) {

        /** An intermediate CA issued by this one. */
        public Issued intermediate(String commonName, String algorithm) {
            KeyPair child = keyPair(algorithm);
            Instant now = Instant.now();
            X509Certificate cert = sign(name(), new X500Name("CN=" + commonName), keys, child,
                    now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(3650)), true, List.of());
            return new Issued(cert, child, chain(), keys);
        }

        /** A leaf for {@code dnsNames} (the first is also the CN; IP literals become IP names), valid from an hour ago for a year. */
        public Issued leaf(String algorithm, String... dnsNames) {
            Instant now = Instant.now();
            return leaf(algorithm, now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(365)), dnsNames);
        }

        /** A leaf with the given validity, e.g. an expired one. */
        public Issued leaf(String algorithm, Instant notBefore, Instant notAfter, String... dnsNames) {
            KeyPair child = keyPair(algorithm);
            String cn = dnsNames.length == 0 ? "no-name" : dnsNames[0];
            X509Certificate cert = sign(name(), new X500Name("CN=" + cn), keys, child, notBefore, notAfter, false,
                    List.of(dnsNames));
            return new Issued(cert, child, chain(), keys);
        }

        /**
         * A leaf for {@code dnsNames} holding {@code publicKey}, whose private key is kept elsewhere (a Vault Transit
         * key's): the answer has no private key.
         */
        public Issued leafFor(PublicKey publicKey, String... dnsNames) {
            Instant now = Instant.now();
            KeyPair elsewhere = new KeyPair(publicKey, null);
            String cn = dnsNames.length == 0 ? "no-name" : dnsNames[0];
            X509Certificate cert = sign(name(), new X500Name("CN=" + cn), keys, elsewhere, now.minus(Duration.ofHours(1)),
                    now.plus(Duration.ofDays(365)), false, List.of(dnsNames));
            return new Issued(cert, elsewhere, chain(), keys);
        }

        /** This certificate followed by its issuers, root last. */
        public List<X509Certificate> chain() {
            List<X509Certificate> chain = new ArrayList<>(List.of(certificate));
            chain.addAll(issuers);
            return chain;
        }

        /** The leaf and intermediates as PEM, as a server sends them (the root left out). */
        public String certificatePem() {
            List<X509Certificate> chain = chain();
            if (chain.size() > 1) {
                chain = chain.subList(0, chain.size() - 1);
            }
            StringBuilder out = new StringBuilder();
            chain.forEach(c -> out.append(pem("CERTIFICATE", encoded(c))));
            return out.toString();
        }

        /** The private key as PKCS#8 {@code PRIVATE KEY}. */
        public String privateKeyPem() {
            return pem("PRIVATE KEY", keys.getPrivate().getEncoded());
        }

        /**
         * The private key as PKCS#1 {@code RSA PRIVATE KEY} or SEC1 {@code EC PRIVATE KEY}, as OpenSSL writes them
         * (SEC1 with its curve and public key inside).
         */
        public String traditionalPrivateKeyPem() {
            return TestPki.traditionalPrivateKeyPem(keys);
        }

        /** The private key as encrypted PKCS#8 {@code ENCRYPTED PRIVATE KEY} (AES-256-CBC). */
        public String encryptedPrivateKeyPem(char[] passphrase) {
            try {
                StringWriter out = new StringWriter();
                try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
                    writer.writeObject(new JcaPKCS8Generator(keys.getPrivate(),
                            new JceOpenSSLPKCS8EncryptorBuilder(JcaPKCS8Generator.AES_256_CBC)
                                    .setProvider(new BouncyCastleProvider()).setRandom(RANDOM).setPassword(passphrase).build()));
                }
                return out.toString();
            } catch (IOException | org.bouncycastle.operator.OperatorCreationException e) {
                throw new IllegalStateException(e);
            }
        }

        X500Name name() {
            return X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
        }
    }

    /** An IP literal ({@code 127.0.0.1}, {@code ::1}) as an IP address name, anything else as a DNS name. */
    private static GeneralName subjectAltName(String name) {
        boolean ip = name.matches("[0-9.]+") || name.contains(":");
        return new GeneralName(ip ? GeneralName.iPAddress : GeneralName.dNSName, name);
    }

    private static X509Certificate sign(X500Name issuer, X500Name subject, KeyPair issuerKeys, KeyPair subjectKeys,
                                        Instant notBefore, Instant notAfter, boolean ca, List<String> dnsNames) {
        try {
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer,
                    BigInteger.valueOf(SERIAL.incrementAndGet()), Date.from(notBefore), Date.from(notAfter), subject,
                    subjectKeys.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(ca ? KeyUsage.keyCertSign | KeyUsage.cRLSign
                    : KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            if (!dnsNames.isEmpty()) {
                builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(dnsNames.stream()
                        .map(TestPki::subjectAltName).toArray(GeneralName[]::new)));
            }
            String algorithm = switch (issuerKeys.getPrivate().getAlgorithm()) {
                case "RSA" -> "SHA256withRSA";
                case "EC" -> "SHA256withECDSA";
                default -> "Ed25519";
            };
            return new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder(algorithm).build(issuerKeys.getPrivate())));
        } catch (Exception e) {
            throw new IllegalStateException("cannot sign a test certificate", e);
        }
    }

    private static byte[] encoded(X509Certificate certificate) {
        try {
            return certificate.getEncoded();
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[]{'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
