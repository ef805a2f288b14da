package io.github.vaultsni.revocation;

import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.x509.Extension;

import javax.security.auth.x500.X500Principal;
import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The serials one CA revoked, as a verified CRL (and the delta CRL on it, when there is one) says: what the
 * handshake reads, a set lookup. Immutable.
 *
 * @param issuer     the CA whose certificates the list covers
 * @param issuerKeyId its subject key identifier (the key that signed the list), or null when its certificate has none
 * @param revoked    their revoked serials
 * @param thisUpdate when the (newest) list was made
 * @param nextUpdate when the next is due; null when the CRL does not say
 */
public record RevocationList(X500Principal issuer, byte[] issuerKeyId, Set<BigInteger> revoked, Instant thisUpdate,
                             Instant nextUpdate) {
    public RevocationList {
        revoked = Set.copyOf(revoked);
    }

    /** Whether {@code leaf} (issued by {@link #issuer}) is listed. */
    public boolean lists(X509Certificate leaf) {
        return revoked.contains(leaf.getSerialNumber());
    }

    /**
     * Whether this list covers certificates issued like {@code leaf}: by the same name and, when both say, the same
     * key (a CA re-keyed under its old name has a list of its own).
     */
    public boolean covers(X509Certificate leaf) {
        if (!issuer.equals(leaf.getIssuerX500Principal())) {
            return false;
        }
        byte[] leafAuthority = KeyIds.authorityKeyId(leaf);
        return issuerKeyId == null || leafAuthority == null || java.util.Arrays.equals(issuerKeyId, leafAuthority);
    }

    /**
     * A list from a complete CRL and, when given, a delta CRL on it; each must be signed by one of {@code cas}
     * (the SSL object's client CAs) and the delta must name the complete one (or an older one) as its base.
     *
     * @throws GeneralSecurityException saying which check failed
     */
    public static RevocationList verified(X509CRL complete, X509CRL delta, List<X509Certificate> cas)
            throws GeneralSecurityException {
        X509Certificate signer = verify(complete, cas);
        Set<BigInteger> revoked = new HashSet<>(serials(complete));
        Instant thisUpdate = complete.getThisUpdate().toInstant();
        Instant nextUpdate = complete.getNextUpdate() == null ? null : complete.getNextUpdate().toInstant();
        if (delta != null) {
            if (!verify(delta, cas).equals(signer)) {
                throw new GeneralSecurityException("the delta CRL is signed by another key than the complete CRL");
            }
            BigInteger base = number(delta, Extension.deltaCRLIndicator.getId());
            BigInteger completeNumber = number(complete, Extension.cRLNumber.getId());
            if (base == null || completeNumber == null || base.compareTo(completeNumber) > 0
                    || !delta.getIssuerX500Principal().equals(complete.getIssuerX500Principal())) {
                throw new GeneralSecurityException("the delta CRL is not based on the complete CRL read with it");
            }
            revoked.addAll(serials(delta));
            thisUpdate = delta.getThisUpdate().toInstant();
            if (delta.getNextUpdate() != null && (nextUpdate == null || delta.getNextUpdate().toInstant().isBefore(nextUpdate))) {
                nextUpdate = delta.getNextUpdate().toInstant();
            }
        }
        return new RevocationList(complete.getIssuerX500Principal(), KeyIds.subjectKeyId(signer), revoked, thisUpdate,
                nextUpdate);
    }

    /** The client CA that signed {@code crl}: any of that name whose key verifies it (CAs rotate under one name). */
    private static X509Certificate verify(X509CRL crl, List<X509Certificate> cas) throws GeneralSecurityException {
        GeneralSecurityException last = null;
        for (X509Certificate ca : cas) {
            if (ca.getSubjectX500Principal().equals(crl.getIssuerX500Principal())) {
                try {
                    crl.verify(ca.getPublicKey());
                    return ca;
                } catch (GeneralSecurityException wrongKey) {
                    last = wrongKey;
                }
            }
        }
        if (last != null) {
            throw new GeneralSecurityException("the CRL's signature verifies with none of the client CAs named "
                    + crl.getIssuerX500Principal().getName(), last);
        }
        throw new GeneralSecurityException("the CRL's issuer (" + crl.getIssuerX500Principal().getName()
                + ") is none of the object's client CAs");
    }

    private static Set<BigInteger> serials(X509CRL crl) {
        Set<BigInteger> serials = new HashSet<>();
        Set<? extends X509CRLEntry> entries = crl.getRevokedCertificates();
        if (entries != null) {
            entries.forEach(entry -> serials.add(entry.getSerialNumber()));
        }
        return serials;
    }

    private static BigInteger number(X509CRL crl, String oid) {
        byte[] value = crl.getExtensionValue(oid);
        if (value == null) {
            return null;
        }
        try {
            return ASN1Integer.getInstance(ASN1Primitive.fromByteArray(
                    ASN1OctetString.getInstance(ASN1Primitive.fromByteArray(value)).getOctets())).getValue();
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
    }
}
