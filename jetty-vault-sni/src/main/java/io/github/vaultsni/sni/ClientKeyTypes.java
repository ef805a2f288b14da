package io.github.vaultsni.sni;

import javax.net.ssl.SSLEngine;
import java.util.Arrays;

/**
 * Which certificate key types a client can verify a server's signature from, as its ClientHello's
 * {@code signature_algorithms} (RFC 8446 §4.2.3; RFC 5246 §7.4.1.4.1) says: ECDSA, RSA (PKCS#1 or RSA-PSS with an
 * rsaEncryption key). A client that sends no such extension is assumed to accept both (RFC 5246's defaults). In
 * TLS 1.2 its cipher suites must allow the type too ({@link #ofSuites}).
 *
 * <p>Why: Conscrypt asks the key manager for a certificate once per key type of the engine's enabled cipher
 * suites, keeps the last one it is given, and only then lets BoringSSL pick a signature algorithm; an object with
 * an RSA and an ECDSA certificate then served ECDSA to an RSA-only client (by its signature algorithms, or in TLS 1.2 by
 * its suites), which failed. {@link #restrict} leaves an
 * engine only the suites of the types the client can verify, so the one it can is the one given. The JDK chooses so
 * by itself; this agrees with it.
 */
record ClientKeyTypes(boolean ecdsa, boolean rsa) {
    /** A client that named no signature algorithms, or one not read. */
    static final ClientKeyTypes ANY = new ClientKeyTypes(true, true);

    /** From the {@code signature_algorithms} code points (RFC 8446 §4.2.3). */
    static ClientKeyTypes of(int[] signatureSchemes) {
        boolean ecdsa = false;
        boolean rsa = false;
        for (int scheme : signatureSchemes) {
            int hash = scheme >>> 8;
            int signature = scheme & 0xFF;
            if (signature == 3 && hash >= 2 && hash <= 6) {
                ecdsa = true; // ecdsa_sha1, ecdsa_secp256r1_sha256 ... ecdsa_secp521r1_sha512
            } else if (signature == 1 && hash >= 2 && hash <= 6 || scheme >= 0x0804 && scheme <= 0x0806) {
                rsa = true; // rsa_pkcs1_*, rsa_pss_rsae_*
            }
        }
        return new ClientKeyTypes(ecdsa, rsa);
    }

    /**
     * From the {@code cipher_suites} code points (IANA's TLS registry): a TLS 1.2 suite authenticates the server with
     * ECDSA ({@code TLS_ECDHE_ECDSA_*}) or else with RSA; TLS 1.3 suites (0x13xx), signalling values
     * ({@code TLS_EMPTY_RENEGOTIATION_INFO_SCSV}, {@code TLS_FALLBACK_SCSV}) and GREASE (RFC 8701) name no key type.
     */
    static ClientKeyTypes ofSuites(int[] suites) {
        boolean ecdsa = false;
        boolean rsa = false;
        for (int suite : suites) {
            if (isEcdsaSuite(suite)) {
                ecdsa = true;
            } else if (suite >>> 8 != 0x13 && suite != 0x00FF && suite != 0x5600 && (suite & 0x0F0F) != 0x0A0A) {
                rsa = true;
            }
        }
        return new ClientKeyTypes(ecdsa, rsa);
    }

    /** The {@code TLS_ECDHE_ECDSA_*} suites: AES-CBC, RC4, 3DES, NULL, AES-GCM, AES-CCM, Camellia, ARIA, ChaCha20. */
    private static boolean isEcdsaSuite(int suite) {
        return suite >= 0xC006 && suite <= 0xC00A || suite == 0xC023 || suite == 0xC024 || suite == 0xC02B
                || suite == 0xC02C || suite == 0xC048 || suite == 0xC049 || suite == 0xC05C || suite == 0xC05D
                || suite == 0xC072 || suite == 0xC073 || suite == 0xC086 || suite == 0xC087
                || suite >= 0xC0AC && suite <= 0xC0AF || suite == 0xCCA9;
    }

    /** The key types both allow. */
    ClientKeyTypes and(ClientKeyTypes other) {
        return new ClientKeyTypes(ecdsa && other.ecdsa, rsa && other.rsa);
    }

    /**
     * Disables on {@code engine} (before its handshake) the TLS 1.2 suites authenticated by a key type the client
     * cannot verify ({@code _ECDSA_} or {@code _RSA_} in the name); TLS 1.3 suites name no key type and stay. Nothing
     * changes for a client that accepts both, or neither (then the handshake fails as it would anyway).
     */
    void restrict(SSLEngine engine) {
        if (ecdsa == rsa) {
            return;
        }
        String unusable = ecdsa ? "_RSA_" : "_ECDSA_";
        String[] suites = Arrays.stream(engine.getEnabledCipherSuites()).filter(s -> !s.contains(unusable))
                .toArray(String[]::new);
        engine.setEnabledCipherSuites(suites);
    }
}
