package io.github.vaultsni.gateway.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** AES-256-GCM for secret fields at rest: {@code $enc:v1:<base64(nonce | ciphertext | tag)>}, tamper-evident. */
class SecretCipherTest {
    private static final String DAMAGED = "a stored secret cannot be decrypted: wrong encryption key or damaged data";
    private static final String PEM_KEY = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49\n-----END PRIVATE KEY-----\n";

    @TempDir
    Path dir;

    private static SecretCipher cipher(int fill) {
        byte[] key = new byte[32];
        Arrays.fill(key, (byte) fill);
        return SecretCipher.fromBase64(Base64.getEncoder().encodeToString(key));
    }

    @ParameterizedTest
    @ValueSource(strings = {PEM_KEY, "apisix-quickstart-vault-token", "", "ünïcødé ✓ 密钥"})
    void encrypt_thenDecrypt_givesThePlaintextBack(String plaintext) {
        SecretCipher cipher = cipher(1);
        String sealed = cipher.encrypt(plaintext);
        assertTrue(SecretCipher.isEncrypted(sealed), sealed);
        assertTrue(sealed.startsWith("$enc:v1:"), sealed);
        assertEquals(plaintext, cipher.decrypt(sealed));
        byte[] raw = Base64.getDecoder().decode(sealed.substring("$enc:v1:".length()));
        assertEquals(12 + plaintext.getBytes(StandardCharsets.UTF_8).length + 16, raw.length, "nonce | ciphertext | tag");
    }

    @Test
    void encrypt_usesAFreshNonceEachTime_andNeverShowsThePlaintext() {
        SecretCipher cipher = cipher(1);
        String once = cipher.encrypt(PEM_KEY);
        String twice = cipher.encrypt(PEM_KEY);
        assertNotEquals(once, twice);
        assertEquals(cipher.decrypt(once), cipher.decrypt(twice));
        assertFalse(once.contains("PRIVATE KEY") || once.contains("MIGHAgEA"), once);
    }

    @Test
    void decrypt_refusesAnyChangedByte_inTheNonceTheCiphertextOrTheTag() {
        SecretCipher cipher = cipher(1);
        byte[] raw = Base64.getDecoder().decode(cipher.encrypt("token-value").substring("$enc:v1:".length()));
        for (int i = 0; i < raw.length; i++) {
            byte[] damaged = raw.clone();
            damaged[i] ^= 0x01;
            String value = "$enc:v1:" + Base64.getEncoder().encodeToString(damaged);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> cipher.decrypt(value), "byte " + i);
            assertEquals(DAMAGED, e.getMessage());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"$enc:v1:", "$enc:v1:AAAA", "$enc:v1:not base64!", "$enc:v1:AAAAAAAAAAAAAAAAAAAAAA=="})
    void decrypt_refusesTruncatedOrMalformedValues_withTheSameMessage(String value) {
        assertEquals(DAMAGED, assertThrows(IllegalStateException.class, () -> cipher(1).decrypt(value)).getMessage());
    }

    @Test
    void decrypt_withAnotherKey_isRefused() {
        String sealed = cipher(1).encrypt("token-value");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> cipher(2).decrypt(sealed));
        assertEquals(DAMAGED, e.getMessage());
    }

    @Test
    void isEncrypted_onlyForTheV1Prefix_andAPlainValuePassesDecryptUnchanged() {
        assertFalse(SecretCipher.isEncrypted(null));
        assertFalse(SecretCipher.isEncrypted(PEM_KEY));
        assertFalse(SecretCipher.isEncrypted("$secret://vault/x/ssl/test.com.key"));
        assertFalse(SecretCipher.isEncrypted("$enc:v2:AAAA"));
        assertTrue(SecretCipher.isEncrypted("$enc:v1:AAAA"));
        assertEquals("$secret://vault/x/ssl/test.com.key", cipher(1).decrypt("$secret://vault/x/ssl/test.com.key"));
        assertNull(cipher(1).decrypt(null));
    }

    @Test
    void fromBase64_refusesWhatIsNotBase64OfThirtyTwoBytes_andTrimsWhitespace() {
        assertEquals("encryption key is not valid base64",
                assertThrows(IllegalArgumentException.class, () -> SecretCipher.fromBase64("not*base64")).getMessage());
        assertEquals("encryption key must be 32 bytes (base64 of 32 bytes), got 16",
                assertThrows(IllegalArgumentException.class,
                        () -> SecretCipher.fromBase64(Base64.getEncoder().encodeToString(new byte[16]))).getMessage());
        assertEquals("encryption key must be 32 bytes (base64 of 32 bytes), got 0",
                assertThrows(IllegalArgumentException.class, () -> SecretCipher.fromBase64("")).getMessage());
        String key = Base64.getEncoder().encodeToString(new byte[32]);
        String sealed = SecretCipher.fromBase64(key).encrypt("v");
        assertEquals("v", SecretCipher.fromBase64("  " + key + "\n").decrypt(sealed));
    }

    @Test
    void fromKeyFile_generatesTheKeyOnce_andEveryLaterStartReadsTheSameOne() throws Exception {
        Path file = dir.resolve("data.key");
        String sealed = SecretCipher.fromKeyFile(file).encrypt("token-value");
        String stored = Files.readString(file);
        assertEquals(32, Base64.getDecoder().decode(stored.trim()).length);
        assertEquals("token-value", SecretCipher.fromKeyFile(file).decrypt(sealed));
        assertEquals(stored, Files.readString(file), "not regenerated");
    }

    @Test
    void fromKeyFile_withAnOperatorsBadKey_isRefused() throws Exception {
        Path file = Files.writeString(dir.resolve("bad.key"), "c2hvcnQ=\n");
        assertEquals("encryption key must be 32 bytes (base64 of 32 bytes), got 5",
                assertThrows(IllegalArgumentException.class, () -> SecretCipher.fromKeyFile(file)).getMessage());
    }

    @Test
    void toString_namesTheAlgorithm_notTheKey() {
        String key = Base64.getEncoder().encodeToString(new byte[32]);
        String text = SecretCipher.fromBase64(key).toString();
        assertEquals("SecretCipher{AES-256-GCM}", text);
        assertFalse(text.contains(key));
    }
}
