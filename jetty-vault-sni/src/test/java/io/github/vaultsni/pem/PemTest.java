package io.github.vaultsni.pem;

import io.github.vaultsni.testsupport.TestPki;
import io.github.vaultsni.testsupport.TestPki.Issued;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.security.cert.X509Certificate;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PemTest {
    private static Issued root;
    private static Issued intermediate;

    @BeforeAll
    static void pki() {
        root = TestPki.rootCa("Test Root", "EC");
        intermediate = root.intermediate("Test Intermediate", "EC");
    }

    @ParameterizedTest
    @ValueSource(strings = {"RSA", "EC", "Ed25519"})
    void decodeCertifiedKey_pkcs8(String algorithm) {
        Issued leaf = intermediate.leaf(algorithm, "www.example.com", "example.com");
        CertifiedKey key = Pem.decodeCertifiedKey("cert", leaf.certificatePem(), "key", leaf.privateKeyPem(), null);
        assertEquals(List.of(leaf.certificate(), intermediate.certificate()), key.chain());
        assertArrayEquals(leaf.keys().getPrivate().getEncoded(), key.privateKey().getEncoded());
        assertEquals(List.of("www.example.com", "example.com"), key.dnsNames());
        assertEquals(algorithm.equals("Ed25519") ? "EdDSA" : algorithm, key.keyType());
    }

    @ParameterizedTest
    @ValueSource(strings = {"RSA", "EC"})
    void decodePrivateKey_traditionalPkcs1AndSec1(String algorithm) {
        Issued leaf = intermediate.leaf(algorithm, "a.example");
        String pem = leaf.traditionalPrivateKeyPem();
        assertEquals(algorithm.equals("RSA"), pem.contains("BEGIN RSA PRIVATE KEY"));
        assertEquals(algorithm.equals("EC"), pem.contains("BEGIN EC PRIVATE KEY"));
        assertSameKey(leaf.keys().getPrivate(), Pem.decodePrivateKey("key", pem, null));
    }

    @Test
    void decodePrivateKey_sec1WithoutCurve_isRejected() throws Exception {
        java.io.StringWriter out = new java.io.StringWriter();
        try (org.bouncycastle.openssl.jcajce.JcaPEMWriter writer = new org.bouncycastle.openssl.jcajce.JcaPEMWriter(out)) {
            writer.writeObject(TestPki.keyPair("EC"));  // BC writes the JDK key's SEC1 without its curve
        }
        assertMessage("key: unreadable EC private key", () -> Pem.decodePrivateKey("key", out.toString(), null));
    }

    @Test
    void decodePrivateKey_ecParametersBlockBeforeSec1KeyIsSkipped() {
        Issued leaf = intermediate.leaf("EC", "a.example");
        String withParams = "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n"
                + leaf.traditionalPrivateKeyPem();
        assertSameKey(leaf.keys().getPrivate(), Pem.decodePrivateKey("key", withParams, null));
    }

    @ParameterizedTest
    @ValueSource(strings = {"RSA", "EC"})
    void decodePrivateKey_encryptedPkcs8WithPassphrase(String algorithm) {
        Issued leaf = intermediate.leaf(algorithm, "a.example");
        String pem = leaf.encryptedPrivateKeyPem("s3cret".toCharArray());
        assertArrayEquals(leaf.keys().getPrivate().getEncoded(),
                Pem.decodePrivateKey("key", pem, "s3cret".toCharArray()).getEncoded());
        assertEquals("key: wrong passphrase for the encrypted private key", assertThrows(IllegalArgumentException.class,
                () -> Pem.decodePrivateKey("key", pem, "nope".toCharArray())).getMessage());
        assertEquals("key: encrypted private key needs a passphrase", assertThrows(IllegalArgumentException.class,
                () -> Pem.decodePrivateKey("key", pem, null)).getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"RSA", "EC", "Ed25519"})
    void roundTrip_encodeThenDecode(String algorithm) {
        Issued leaf = intermediate.leaf(algorithm, "rt.example");
        CertifiedKey key = Pem.decodeCertifiedKey("cert", leaf.certificatePem(), "key", leaf.privateKeyPem(), null);
        CertifiedKey again = Pem.decodeCertifiedKey("cert", Pem.encodeCertificates(key.chain()), "key",
                Pem.encodePrivateKey(key.privateKey()), null);
        assertEquals(key.chain(), again.chain());
        assertArrayEquals(key.privateKey().getEncoded(), again.privateKey().getEncoded());
    }

    @Test
    void chainOutOfOrder_isReordered() {
        Issued leaf = intermediate.leaf("EC", "www.example.com");
        String reversed = Pem.encodeCertificates(List.of(root.certificate(), intermediate.certificate(), leaf.certificate()));
        CertifiedKey key = Pem.decodeCertifiedKey("cert", reversed, "key", leaf.privateKeyPem(), null);
        assertEquals(List.of(leaf.certificate(), intermediate.certificate(), root.certificate()), key.chain());
    }

    @Test
    void certificateOutsideTheChain_isRejected() {
        Issued leaf = intermediate.leaf("EC", "www.example.com");
        Issued stranger = TestPki.rootCa("Stranger", "EC");
        String pem = leaf.certificatePem() + Pem.encodeCertificates(List.of(stranger.certificate()));
        assertEquals("cert: certificate 'CN=Stranger' is not part of the chain of 'CN=www.example.com'",
                assertThrows(IllegalArgumentException.class,
                        () -> Pem.decodeCertifiedKey("cert", pem, "key", leaf.privateKeyPem(), null)).getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"RSA", "EC", "Ed25519"})
    void keyNotMatchingCertificate_isRejected(String algorithm) {
        Issued leaf = intermediate.leaf(algorithm, "a.example");
        Issued other = intermediate.leaf(algorithm, "b.example");
        assertEquals("kv/apisix/ssl#test.com.key: private key does not match the certificate",
                assertThrows(IllegalArgumentException.class, () -> Pem.decodeCertifiedKey("cert",
                        Pem.encodeCertificates(List.of(leaf.certificate())), "kv/apisix/ssl#test.com.key",
                        other.privateKeyPem(), null)).getMessage());
    }

    @Test
    void ecKeyCarryingItsPublicPoint_isMatchedByThatPoint() {
        Issued leaf = intermediate.leaf("EC", "a.example");
        Issued other = intermediate.leaf("EC", "b.example");
        String cert = Pem.encodeCertificates(List.of(leaf.certificate()));
        assertTrue(leaf.traditionalPrivateKeyPem().contains("BEGIN EC PRIVATE KEY"));
        assertEquals(leaf.certificate(), Pem.decodeCertifiedKey("cert", cert, "key", leaf.traditionalPrivateKeyPem(), null).leaf());
        assertMessage("key: private key does not match the certificate",
                () -> Pem.decodeCertifiedKey("cert", cert, "key", other.traditionalPrivateKeyPem(), null));
    }

    @Test
    void rsaKeyForEcCertificate_isRejected() {
        Issued ec = intermediate.leaf("EC", "a.example");
        Issued rsa = intermediate.leaf("RSA", "a.example");
        assertEquals("key: private key matches none of the 2 certificates", assertThrows(IllegalArgumentException.class,
                () -> Pem.decodeCertifiedKey("cert", ec.certificatePem(), "key", rsa.privateKeyPem(), null)).getMessage());
    }

    @Test
    void errors_areExactAndNeverQuoteThePem() {
        Issued leaf = intermediate.leaf("EC", "a.example");
        String certPem = leaf.certificatePem();
        String keyPem = leaf.privateKeyPem();
        assertMessage("cert: no CERTIFICATE block", () -> Pem.decodeCertificates("cert", "garbage, not PEM at all"));
        assertMessage("cert: empty", () -> Pem.decodeCertificates("cert", "  "));
        String truncated = certPem.substring(0, certPem.indexOf("-----END"));
        String message = assertThrows(IllegalArgumentException.class, () -> Pem.decodeCertificates("cert", truncated)).getMessage();
        assertEquals("cert: truncated PEM (-----END CERTIFICATE----- not found)", message);
        assertMessage("key: no PRIVATE KEY block", () -> Pem.decodePrivateKey("key", certPem, null));
        assertMessage("key: 2 private keys, expected 1", () -> Pem.decodePrivateKey("key", keyPem + keyPem, null));
        assertMessage("cert: holds a private key; it belongs in the key", () -> Pem.decodeCertificates("cert", certPem + keyPem));
        String corrupt = certPem.replaceFirst("\n[A-Za-z0-9+/]{10}", "\n!!!!!!!!!!");
        String corruptMessage = assertThrows(IllegalArgumentException.class, () -> Pem.decodeCertificates("cert", corrupt)).getMessage();
        assertEquals("cert: malformed PEM", corruptMessage.substring(0, "cert: malformed PEM".length()), corruptMessage);
    }

    @Test
    void certifiedKey_toStringDescribesLeafWithoutKey() {
        Issued leaf = intermediate.leaf("EC", "www.example.com");
        CertifiedKey key = Pem.decodeCertifiedKey("cert", leaf.certificatePem(), "key", leaf.privateKeyPem(), null);
        String text = key.toString();
        assertFalse(text.contains("PRIVATE"));
        assertFalse(text.contains(java.util.Base64.getEncoder().encodeToString(key.privateKey().getEncoded()).substring(0, 20)));
        assertEquals("CertifiedKey{EC CN=www.example.com, SANs [www.example.com], not after " + key.notAfter()
                + ", chain of 2}", text);
    }

    /** The same private key, however it is encoded (SEC1-derived keys carry their public point). */
    private static void assertSameKey(java.security.PrivateKey expected, java.security.PrivateKey actual) {
        if (expected instanceof java.security.interfaces.ECPrivateKey e && actual instanceof java.security.interfaces.ECPrivateKey a) {
            assertEquals(e.getS(), a.getS());
            assertEquals(e.getParams().getCurve(), a.getParams().getCurve());
        } else {
            assertArrayEquals(expected.getEncoded(), actual.getEncoded());
        }
    }

    private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable call) {
        assertEquals(expected, assertThrows(IllegalArgumentException.class, call).getMessage());
    }

}
