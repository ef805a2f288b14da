package io.github.vaultsni.vaulttest;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.io.StringWriter;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A client CA and the TLS client certificates it signs, as PEM, for the cert auth method: {@link #caPem()} is what
 * {@code auth/cert/certs/<name>} trusts, {@link #issue} a leaf with clientAuth usage and its PKCS#8 key.
 */
public final class ClientCertificates {
    private static final AtomicLong SERIAL = new AtomicLong(1000);

    /** A client certificate, its key, and its serial number as Vault's metadata writes it (decimal). */
    public record Issued(String certificatePem, String keyPem, String serialNumber) {
    }

    private final KeyPair caKeys;
    private final X509Certificate ca;

    public ClientCertificates(String caName) {
        try {
            caKeys = keyPair();
            Instant now = Instant.now();
            X500Name name = new X500Name("CN=" + caName);
            JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name,
                    BigInteger.valueOf(SERIAL.incrementAndGet()), Date.from(now.minusSeconds(3600)),
                    Date.from(now.plusSeconds(30L * 86400)), name, caKeys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                    .addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(caKeys.getPublic()));
            ca = new JcaX509CertificateConverter().getCertificate(builder.build(
                    new JcaContentSignerBuilder("SHA256withECDSA").build(caKeys.getPrivate())));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public String caPem() {
        return pem(ca);
    }

    /** A client certificate for {@code commonName}, valid from an hour ago for a day. */
    public Issued issue(String commonName) {
        try {
            KeyPair keys = keyPair();
            Instant now = Instant.now();
            BigInteger serial = BigInteger.valueOf(SERIAL.incrementAndGet());
            JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(ca, serial,
                    Date.from(now.minusSeconds(3600)), Date.from(now.plusSeconds(86400)),
                    new X500Name("CN=" + commonName), keys.getPublic())
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth))
                    .addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(keys.getPublic()))
                    .addExtension(Extension.authorityKeyIdentifier, false, utils.createAuthorityKeyIdentifier(ca));
            X509Certificate leaf = new JcaX509CertificateConverter().getCertificate(builder.build(
                    new JcaContentSignerBuilder("SHA256withECDSA").build(caKeys.getPrivate())));
            StringWriter key = new StringWriter();
            try (JcaPEMWriter writer = new JcaPEMWriter(key)) {
                writer.writeObject(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(keys.getPrivate(), null));
            }
            return new Issued(pem(leaf), key.toString(), serial.toString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyPair keyPair() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    private static String pem(X509Certificate cert) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(cert);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toString();
    }
}
