package io.github.vaultsni.keyless;

/**
 * How a digest is signed: the three ways TLS asks a server (and a client presenting a certificate) to sign with an
 * ECDSA or RSA key, each a {@code signature_algorithm} of Vault Transit's {@code sign}.
 */
public enum SignatureScheme {
    /** ECDSA, the signature ASN.1 DER encoded (Transit's {@code marshaling_algorithm: asn1}). */
    ECDSA("EC", null),
    /** RSASSA-PKCS1-v1_5 (TLS 1.2's {@code rsa_pkcs1_*}). */
    RSA_PKCS1("RSA", "pkcs1v15"),
    /** RSASSA-PSS, MGF1 with the same hash and a salt as long as the hash, as TLS requires ({@code rsa_pss_rsae_*}). */
    RSA_PSS("RSA", "pss");

    private final String keyAlgorithm;
    private final String transitAlgorithm;

    SignatureScheme(String keyAlgorithm, String transitAlgorithm) {
        this.keyAlgorithm = keyAlgorithm;
        this.transitAlgorithm = transitAlgorithm;
    }

    /** The JCA algorithm of the keys it signs with: {@code EC} or {@code RSA}. */
    public String keyAlgorithm() {
        return keyAlgorithm;
    }

    /** Transit's {@code signature_algorithm}; null for ECDSA, which has none. */
    String transitAlgorithm() {
        return transitAlgorithm;
    }
}
