package io.github.vaultsni.registry;

import io.github.vaultsni.runtime.VaultSniRuntime;
import io.github.vaultsni.secret.SecretResolver;
import io.github.vaultsni.sni.TlsServerFixture;
import io.github.vaultsni.testsupport.TestClock;
import io.github.vaultsni.testsupport.TestPki;
import io.github.vaultsni.testsupport.TestPki.Issued;
import io.github.vaultsni.vault.VaultAuth;
import io.github.vaultsni.vault.VaultSettings;
import io.github.vaultsni.vaulttest.VaultHttp;
import io.github.vaultsni.vaulttest.VaultTestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Entries from secret references, served over real TLS, with the Vault test server behind them. */
@Timeout(120)
class SslObjectRegistryTest {
    private static final String ROOT_TOKEN = "registry-root";
    private static final String CRT = "$secret://vault/quickstart-secret-id/ssl/test.com.crt";
    private static final String KEY = "$secret://vault/quickstart-secret-id/ssl/test.com.key";
    private static Issued rootCa;

    private final TestClock clock = new TestClock(java.time.Instant.now());
    private final Runtimes runtimes = new Runtimes();
    private VaultTestServer vault;
    private VaultHttp http;
    private SecretResolver resolver;
    private TlsServerFixture server;
    private SslObjectRegistry registry;
    private SSLContext client;

    @BeforeAll
    static void pki() {
        rootCa = TestPki.rootCa("ROOTCA", "RSA");
    }

    @BeforeEach
    void start() throws Exception {
        vault = VaultTestServer.builder().rootToken(ROOT_TOKEN).start();
        http = new VaultHttp(vault.address());
        http.enableKv(ROOT_TOKEN, "kv", 1);
        http.writePolicy(ROOT_TOKEN, "apisix-policy", "path \"kv/apisix/*\" { capabilities = [\"read\"] }");
        storeInVault(rootCa.leaf("RSA", "test.com"));
        String token = http.createToken(ROOT_TOKEN, List.of("apisix-policy"), null);
        server = new TlsServerFixture();
        VaultSniRuntime runtime = runtimes.start(settings -> settings.clock(clock).registry(registry -> registry.certificates(server.certificates()))
                .vault("quickstart-secret-id", VaultSettings.builder(vault.address()).prefix("kv/apisix")
                        .auth(VaultAuth.token(token)).timeout(Duration.ofSeconds(2)).build()));
        resolver = runtime.resolver();
        registry = runtime.registry();
        client = TlsServerFixture.clientContext(rootCa, null);
    }

    @AfterEach
    void stop() throws Exception {
        runtimes.close();
        server.close();
        vault.close();
    }

    private void storeInVault(Issued leaf) {
        http.putSecret(ROOT_TOKEN, 1, "kv", "apisix/ssl", Map.of("test.com.crt", leaf.certificatePem(),
                "test.com.key", leaf.traditionalPrivateKeyPem()));
    }

    private X509Certificate served(String sni) throws Exception {
        return server.handshake(client, sni, null, null).leaf();
    }

    @Test
    void walkThroughEntry_isServedFromVault_withStatus() throws Exception {
        SniEntryStatus status = registry.put(SniEntrySpec.of("quickstart-tls-client-ssl", List.of("test.com"), CRT, KEY))
                .get(10, TimeUnit.SECONDS);
        assertEquals(SniEntryStatus.State.ACTIVE, status.state(), status::error);
        assertEquals("CN=test.com", status.subject());
        assertEquals(List.of("test.com"), status.sans());
        assertTrue(status.validNow());
        assertEquals(List.of(CRT, KEY), status.references());
        X509Certificate leaf = served("test.com");
        assertEquals("CN=test.com", leaf.getSubjectX500Principal().getName());
        assertEquals("CN=ROOTCA", leaf.getIssuerX500Principal().getName());
        assertEquals(status.notAfter(), leaf.getNotAfter().toInstant());
    }

    @Test
    void valueRotatedInVault_isServedAfterTheNextRefresh() throws Exception {
        registry.put(SniEntrySpec.of("ssl", List.of("test.com"), CRT, KEY)).get(10, TimeUnit.SECONDS);
        X509Certificate before = served("test.com");
        Issued renewed = rootCa.leaf("RSA", "test.com");
        storeInVault(renewed);
        clock.advance(Duration.ofSeconds(301));
        resolver.refreshDue().join();
        await().atMost(Duration.ofSeconds(10)).until(() -> renewed.certificate().equals(servedQuietly("test.com")));
        assertTrue(!before.equals(served("test.com")));
    }

    @Test
    void unresolvableReference_isNotServed_andSaysWhy_whileOthersAre() throws Exception {
        SniEntryStatus status = registry.put(SniEntrySpec.of("broken", List.of("broken.test.com"),
                "$secret://vault/quickstart-secret-id/nope/x.crt", KEY)).get(10, TimeUnit.SECONDS);
        registry.put(SniEntrySpec.of("good", List.of("test.com"), CRT, KEY)).get(10, TimeUnit.SECONDS);
        assertEquals(SniEntryStatus.State.FAILED, status.state());
        assertEquals("failed to resolve secret reference $secret://vault/quickstart-secret-id/nope/x.crt: no secret "
                + "at nope in vault/quickstart-secret-id", status.error());
        assertNull(status.subject());
        assertThrows(SSLHandshakeException.class, () -> served("broken.test.com"));
        assertEquals("CN=test.com", served("test.com").getSubjectX500Principal().getName());
        assertEquals(SniEntryStatus.State.FAILED, registry.status("broken").orElseThrow().state());
    }

    @Test
    void keyNotMatchingCertificate_isNotServed() throws Exception {
        Issued a = rootCa.leaf("EC", "a.test.com");
        Issued b = rootCa.leaf("EC", "a.test.com");
        SniEntryStatus status = registry.put(SniEntrySpec.of("mismatch", List.of("a.test.com"), a.certificatePem(),
                b.privateKeyPem())).get(10, TimeUnit.SECONDS);
        assertEquals(SniEntryStatus.State.FAILED, status.state());
        assertEquals("ssl mismatch key: private key does not match the certificate", status.error());
    }

    @Test
    void vaultDown_keepsServing_andRecovers() throws Exception {
        registry.put(SniEntrySpec.of("ssl", List.of("test.com"), CRT, KEY)).get(10, TimeUnit.SECONDS);
        X509Certificate before = served("test.com");
        vault.setReachable(false);
        clock.advance(Duration.ofSeconds(301));
        resolver.refreshDue().join();
        assertEquals(before, served("test.com"));
        assertEquals(SniEntryStatus.State.ACTIVE, registry.status("ssl").orElseThrow().state());
        vault.setReachable(true);
        Issued renewed = rootCa.leaf("RSA", "test.com");
        storeInVault(renewed);
        clock.advance(Duration.ofSeconds(61));
        resolver.refreshDue().join();
        await().atMost(Duration.ofSeconds(10)).until(() -> renewed.certificate().equals(servedQuietly("test.com")));
    }

    @Test
    void secretDeletedInVault_stopsBeingServed() throws Exception {
        registry.put(SniEntrySpec.of("ssl", List.of("test.com"), CRT, KEY)).get(10, TimeUnit.SECONDS);
        http.expect(204, "DELETE", "kv/apisix/ssl", ROOT_TOKEN, null);
        clock.advance(Duration.ofSeconds(301));
        resolver.refreshDue().join();
        await().atMost(Duration.ofSeconds(10)).until(() -> registry.status("ssl").orElseThrow().state() == SniEntryStatus.State.FAILED);
        assertThrows(SSLHandshakeException.class, () -> served("test.com"));
    }

    @Test
    void disabledAndRemovedEntries_areNotServed() throws Exception {
        registry.put(SniEntrySpec.of("ssl", List.of("test.com"), CRT, KEY)).get(10, TimeUnit.SECONDS);
        SniEntrySpec disabled = SniEntrySpec.builder("ssl").snis(List.of("test.com")).certificate(CRT, KEY)
                .enabled(false).build();
        assertEquals(SniEntryStatus.State.DISABLED, registry.put(disabled).get(10, TimeUnit.SECONDS).state());
        assertThrows(SSLHandshakeException.class, () -> served("test.com"));
        registry.put(SniEntrySpec.of("ssl", List.of("test.com"), CRT, KEY)).get(10, TimeUnit.SECONDS);
        served("test.com");
        registry.remove("ssl").get(10, TimeUnit.SECONDS);
        assertThrows(SSLHandshakeException.class, () -> served("test.com"));
        assertTrue(registry.status("ssl").isEmpty());
    }

    @Test
    void rsaAndEcdsaPairsOnOneEntry() throws Exception {
        Issued rsa = rootCa.leaf("RSA", "dual.test.com");
        Issued ec = rootCa.leaf("EC", "dual.test.com");
        registry.put(SniEntrySpec.builder("dual").snis(List.of("dual.test.com"))
                .certificate(rsa.certificatePem(), rsa.privateKeyPem())
                .moreCertificates(List.of(ec.certificatePem()), List.of(ec.privateKeyPem())).build()).get(10, TimeUnit.SECONDS);
        assertEquals(rsa.certificate(), server.handshake(client, "dual.test.com", new String[]{"TLSv1.2"},
                new String[]{"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"}).leaf());
        assertEquals(ec.certificate(), server.handshake(client, "dual.test.com", new String[]{"TLSv1.2"},
                new String[]{"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"}).leaf());
    }

    @Test
    void rotationUnder32ConcurrentClients_failsNoHandshake() throws Exception {
        Issued a = rootCa.leaf("EC", "busy.test.com");
        Issued b = rootCa.leaf("EC", "busy.test.com");
        registry.put(SniEntrySpec.of("busy", List.of("busy.test.com"), a.certificatePem(), a.privateKeyPem()))
                .get(10, TimeUnit.SECONDS);
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger handshakes = new AtomicInteger();
        List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        Set<X509Certificate> seen = ConcurrentHashMap.newKeySet();
        CountDownLatch done = new CountDownLatch(32);
        for (int i = 0; i < 32; i++) {
            Thread t = new Thread(() -> {
                try {
                    while (running.get()) {
                        seen.add(served("busy.test.com"));
                        handshakes.incrementAndGet();
                    }
                } catch (Throwable e) { // any failure, assertion errors included, is reported to the test thread
                    failures.add(e);
                } finally {
                    done.countDown();
                }
            });
            t.setDaemon(true);
            t.start();
        }
        for (int i = 0; i < 40; i++) {
            Issued next = i % 2 == 0 ? b : a;
            registry.put(SniEntrySpec.of("busy", List.of("busy.test.com"), next.certificatePem(), next.privateKeyPem()))
                    .get(10, TimeUnit.SECONDS);
            Thread.sleep(50); // not a wait: spreads the 40 rotations over the clients' handshakes
        }
        running.set(false);
        assertTrue(done.await(30, TimeUnit.SECONDS));
        assertEquals(List.of(), failures, () -> handshakes.get() + " handshakes");
        assertEquals(Set.of(a.certificate(), b.certificate()), seen);
        assertTrue(handshakes.get() > 100, handshakes.get() + " handshakes");
    }

    private X509Certificate servedQuietly(String sni) {
        try {
            return served(sni);
        } catch (Exception e) {
            return null;
        }
    }

}
