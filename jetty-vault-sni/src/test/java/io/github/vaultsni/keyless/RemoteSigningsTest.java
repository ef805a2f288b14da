package io.github.vaultsni.keyless;

import io.github.vaultsni.secret.SecretException;
import io.github.vaultsni.testsupport.TestClock;
import io.github.vaultsni.testsupport.TestPki;
import org.eclipse.jetty.util.thread.Invocable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.SignatureException;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The keyless signatures as JSSE reaches them (through the JCA, by algorithm name) and the bounds they wait within:
 * a keyless key is signed with by the provider only, its digest handed to its signer; an ordinary key is signed
 * with as before; a signature asked on a thread that must not block, one past the in-flight bound, one past the
 * deadline, and one while the breaker is open are each refused, saying why.
 */
@Timeout(30)
class RemoteSigningsTest {
    private final ExecutorService pool = Executors.newCachedThreadPool();
    private final TestClock clock = new TestClock();

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    @Test
    void aKeylessKey_isSignedWithByItsSigner_overTheDigest_andTheSignatureVerifies() throws Exception {
        KeyPair ec = TestPki.keyPair("EC");
        AtomicReference<byte[]> handed = new AtomicReference<>();
        RemoteSigner local = (scheme, hash, digest) -> {
            handed.set(digest);
            assertEquals(SignatureScheme.ECDSA, scheme);
            assertEquals("SHA-384", hash);
            try {
                Signature raw = Signature.getInstance("NONEwithECDSA");
                raw.initSign(ec.getPrivate());
                raw.update(digest);
                return raw.sign();
            } catch (Exception e) {
                throw new SignatureException(e);
            }
        };
        KeylessProvider.install();
        KeylessKey key = KeylessKey.of(ec.getPublic(), local, "local");
        byte[] message = "transcript".getBytes(StandardCharsets.US_ASCII);
        Signature signer = Signature.getInstance("SHA384withECDSA");
        signer.initSign(key);
        signer.update(message);
        byte[] signature = signer.sign();
        assertTrue(signer.getProvider().getName().startsWith(KeylessProvider.NAME), signer.getProvider().getName());
        assertArrayEquals(MessageDigest.getInstance("SHA-384").digest(message), handed.get());
        Signature verifier = Signature.getInstance("SHA384withECDSA");
        verifier.initVerify(ec.getPublic());
        verifier.update(message);
        assertTrue(verifier.verify(signature));

        Signature ordinary = Signature.getInstance("SHA384withECDSA");
        ordinary.initSign(ec.getPrivate());
        assertNotEquals(signer.getProvider(), ordinary.getProvider(), "other keys are signed with as before");
    }

    @Test
    void pss_takesOnlyTlsParameters() throws Exception {
        KeylessProvider.install();
        KeylessKey key = KeylessKey.of(TestPki.keyPair("RSA").getPublic(), (s, h, d) -> new byte[0], "none");
        Signature pss = Signature.getInstance("RSASSA-PSS", KeylessProvider.NAME);
        assertThrows(java.security.InvalidAlgorithmParameterException.class, () -> pss.setParameter(
                new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 222, 1)),
                "Transit's largest salt is what TLS 1.3 refuses");
        Signature tls = Signature.getInstance("RSASSA-PSS", KeylessProvider.NAME);
        tls.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
        tls.initSign(key);
        tls.update((byte) 1);
        assertEquals(0, tls.sign().length);
    }

    @Test
    void aSignatureAskedOnANonBlockingThread_isRefused() {
        RemoteSignings signings = new RemoteSignings(pool, clock, 4, Duration.ofSeconds(1));
        AtomicReference<Exception> refused = new AtomicReference<>();
        Invocable.invokeNonBlocking(() -> {
            try {
                signings.sign("vault-1", "key", () -> new byte[]{1});
            } catch (SignatureException e) {
                refused.set(e);
            }
        });
        assertTrue(refused.get().getMessage().contains("must not wait"), String.valueOf(refused.get()));
    }

    @Test
    void pastTheInFlightBound_aSignatureIsRefusedAtOnce() throws Exception {
        RemoteSignings signings = new RemoteSignings(pool, clock, 1, Duration.ofSeconds(10));
        CountDownLatch vaultAnswers = new CountDownLatch(1);
        Future<byte[]> first = inFlight(signings, 1, vaultAnswers).get(0);
        SignatureException refused = assertThrows(SignatureException.class,
                () -> signings.sign("vault-1", "key", () -> new byte[]{2}));
        assertTrue(refused.getMessage().contains("1 signatures already in flight"), refused.getMessage());
        vaultAnswers.countDown();
        assertArrayEquals(new byte[]{1}, first.get());
        assertArrayEquals(new byte[]{3}, signings.sign("vault-1", "key", () -> new byte[]{3}), "its place is free");
        assertEquals(1, signings.refused());
    }

    @Test
    void aVaultThatHangs_failsThatHandshakeAtTheDeadline_andTheBreakerRefusesTheNextAtOnce() throws Exception {
        RemoteSignings signings = new RemoteSignings(pool, clock, 4, Duration.ofMillis(200));
        CountDownLatch vaultAnswers = new CountDownLatch(1);
        SignatureException late = assertThrows(SignatureException.class, () -> signings.sign("vault-1", "key", () -> {
            vaultAnswers.await();
            return new byte[]{1};
        }));
        assertTrue(late.getMessage().contains("did not sign within 200 ms"), late.getMessage());
        SignatureException refused = assertThrows(SignatureException.class,
                () -> signings.sign("vault-1", "key", () -> new byte[]{2}));
        assertTrue(refused.getMessage().contains("breaker"), refused.getMessage());
        assertArrayEquals(new byte[]{4}, signings.sign("vault-2", "other", () -> new byte[]{4}), "another Vault is asked");

        vaultAnswers.countDown(); // the hung call ends, failed or not: the cool-down runs from now
        clock.advance(Duration.ofSeconds(2));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> {
            try {
                return signings.sign("vault-1", "key", () -> new byte[]{5})[0] == 5;
            } catch (SignatureException stillOpen) {
                clock.advance(Duration.ofSeconds(2));
                return false;
            }
        });
    }

    @Test
    void aRefusalByVault_failsThatSignature_butOpensNoBreaker() throws Exception {
        RemoteSignings signings = new RemoteSignings(pool, clock, 4, Duration.ofSeconds(5));
        SignatureException denied = assertThrows(SignatureException.class, () -> signings.sign("vault-1", "key", () -> {
            throw new SecretException(SecretException.Kind.PERMISSION_DENIED, "permission denied (403) writing transit/sign/k");
        }));
        assertTrue(denied.getMessage().endsWith("key: permission denied (403) writing transit/sign/k"), denied.getMessage());
        assertArrayEquals(new byte[]{1}, signings.sign("vault-1", "other", () -> new byte[]{1}), "Vault answered: no breaker");
        assertThrows(SignatureException.class, () -> signings.sign("vault-1", "key", () -> {
            throw new SecretException(SecretException.Kind.UNREACHABLE, "Vault at http://127.0.0.1:1 is unreachable");
        }));
        SignatureException refused = assertThrows(SignatureException.class,
                () -> signings.sign("vault-1", "other", () -> new byte[]{2}));
        assertTrue(refused.getMessage().contains("breaker"), "an unreachable Vault opens it: " + refused.getMessage());
    }

    @Test
    void aVaultThatHangs_holdsAtMostHalfThePlaces() throws Exception {
        RemoteSignings signings = new RemoteSignings(pool, clock, 4, Duration.ofSeconds(10));
        CountDownLatch vaultAnswers = new CountDownLatch(1);
        inFlight(signings, 2, vaultAnswers);
        SignatureException refused = assertThrows(SignatureException.class,
                () -> signings.sign("vault-1", "key", () -> new byte[]{2}));
        assertTrue(refused.getMessage().contains("2 signatures already in flight on Vault vault-1"), refused.getMessage());
        assertArrayEquals(new byte[]{3}, signings.sign("vault-2", "other", () -> new byte[]{3}), "another Vault's place");
        vaultAnswers.countDown();
    }

    @Test
    void sha1_isSignedForTls12ClientsThatNameNoAlgorithm() throws Exception {
        KeylessProvider.install();
        AtomicReference<String> hash = new AtomicReference<>();
        KeylessKey key = KeylessKey.of(TestPki.keyPair("EC").getPublic(), (s, h, d) -> {
            hash.set(h + " " + d.length);
            return new byte[]{9};
        }, "sha1");
        Signature sha1 = Signature.getInstance("SHA1withECDSA");
        sha1.initSign(key);
        sha1.update((byte) 1);
        assertArrayEquals(new byte[]{9}, sha1.sign());
        assertEquals("SHA-1 20", hash.get());
    }

    /** {@code count} signatures of Vault vault-1 in flight until {@code vaultAnswers} (then each answers {1}). */
    private List<Future<byte[]>> inFlight(RemoteSignings signings, int count, CountDownLatch vaultAnswers)
            throws InterruptedException {
        CountDownLatch asked = new CountDownLatch(count);
        List<Future<byte[]>> signatures = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            signatures.add(pool.submit(() -> signings.sign("vault-1", "key", () -> {
                asked.countDown();
                vaultAnswers.await();
                return new byte[]{1};
            })));
        }
        asked.await();
        return signatures;
    }
}
