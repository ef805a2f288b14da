package io.github.vaultsni.revocation;

import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;

import java.io.IOException;
import java.security.cert.X509Certificate;

/** The key identifiers of a certificate (RFC 5280 4.2.1.1, 4.2.1.2): which key issued it, and its own. */
final class KeyIds {
    private KeyIds() {
    }

    /** The authority key identifier's keyIdentifier, or null when the certificate has none (or a malformed one). */
    static byte[] authorityKeyId(X509Certificate certificate) {
        try {
            byte[] value = octets(certificate, Extension.authorityKeyIdentifier.getId());
            return value == null ? null : AuthorityKeyIdentifier.getInstance(parse(value)).getKeyIdentifier();
        } catch (IllegalArgumentException malformed) {
            return null; // as if absent: the name alone decides
        }
    }

    /** The subject key identifier, or null when the certificate has none. */
    static byte[] subjectKeyId(X509Certificate certificate) {
        byte[] value = octets(certificate, Extension.subjectKeyIdentifier.getId());
        return value == null ? null : SubjectKeyIdentifier.getInstance(parse(value)).getKeyIdentifier();
    }

    private static byte[] octets(X509Certificate certificate, String oid) {
        byte[] wrapped = certificate.getExtensionValue(oid);
        return wrapped == null ? null : ASN1OctetString.getInstance(parse(wrapped)).getOctets();
    }

    private static ASN1Primitive parse(byte[] der) {
        try {
            return ASN1Primitive.fromByteArray(der);
        } catch (IOException e) {
            throw new IllegalArgumentException("malformed key identifier", e);
        }
    }
}
