package io.github.vaultsni.registry;

import io.github.vaultsni.issuer.IssuedCertificateStore;
import io.github.vaultsni.issuer.IssuerSpec;
import io.github.vaultsni.runtime.VaultSniRuntime;
import io.github.vaultsni.secret.SecretResolver;
import io.github.vaultsni.sni.SniCertificates;
import io.github.vaultsni.sni.TlsServerFixture;
import io.github.vaultsni.testsupport.TestClock;
import io.github.vaultsni.testsupport.TestLog;
import io.github.vaultsni.vault.VaultAuth;
import io.github.vaultsni.vault.VaultSettings;
import io.github.vaultsni.testsupport.TlsClients;
import io.github.vaultsni.vaulttest.RecordedRequest;
import io.github.vaultsni.vaulttest.VaultHttp;
import io.github.vaultsni.vaulttest.VaultTestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Certificates issued by Vault's PKI engine (the Vault test server's, which follows Vault's API), served by SNI
 * over real TLS: eagerly for exact names, on the first handshake for names under a wildcard, renewed, kept
 * across restarts and shared between nodes through the store.
 */
@Timeout(120)
class IssuedCertificatesTest {
    private static final String ROOT_TOKEN = "pki-root";

    private VaultTestServer vault;
    private VaultHttp http;
    private String token;
    private SecretResolver resolver;
    private TlsServerFixture server;
    private SslObjectRegistry registry;
    private SSLContext client;
    private final Runtimes runtimes = new Runtimes();
    private final List<AutoCloseable> closing = new ArrayList<>();
    /** What the registries' issuance listeners heard, as "ssl OUTCOME". */
    private final List<String> issuances = new CopyOnWriteArrayList<>();

    /** The test server and a node (a runtime) on one clock, the system's unless a test gives its own. */
    private void start(Clock clock) throws Exception {
        start(clock, IssuedCertificateStore.inMemory());
    }

    private void start(Clock clock, IssuedCertificateStore store) throws Exception {
        vault = VaultTestServer.builder().rootToken(ROOT_TOKEN).clock(clock).start();
        http = new VaultHttp(vault.address());
        http.enablePki(ROOT_TOKEN, "pki");
        http.expect(200, "POST", "pki/roles/gateway", ROOT_TOKEN, Map.of("allowed_domains", List.of("internal.test"),
                "allow_subdomains", true, "allow_bare_domains", true, "key_type", "any", "max_ttl", "720h"));
        http.expect(200, "POST", "pki/roles/vault-keys", ROOT_TOKEN, Map.of("allowed_domains", List.of("internal.test"),
                "allow_subdomains", true, "key_type", "ec"));
        http.writePolicy(ROOT_TOKEN, "gateway-pki", "path \"pki/sign/gateway\" { capabilities = [\"update\"] }\n"
                + "path \"pki/issue/vault-keys\" { capabilities = [\"update\"] }");
        token = http.createToken(ROOT_TOKEN, List.of("gateway-pki"), null);
        server = new TlsServerFixture();
        VaultSniRuntime node = node(clock, server.certificates(), store);
        resolver = node.resolver();
        registry = node.registry();
        client = TlsClients.trusting(http.expect(200, "GET", "pki/cert/ca", null, null).data().get("certificate").asText());
    }

    /** A node: a runtime with the PKI secret object, its issuances heard, serving to {@code certificates}. */
    private VaultSniRuntime node(Clock clock, SniCertificates certificates, IssuedCertificateStore store) throws Exception {
        VaultSniRuntime node = runtimes.start(settings -> settings.clock(clock)
                .registry(registry -> registry.certificates(certificates).issuedCertificates(store)).vault("pki-secret", VaultSettings.builder(vault.address())
                        .auth(VaultAuth.token(token)).timeout(Duration.ofSeconds(2)).build()));
        node.registry().addIssuanceListener((ssl, outcome) -> issuances.add(ssl + " " + outcome));
        return node;
    }

    @AfterEach
    void stop() throws Exception {
        runtimes.close();
        for (AutoCloseable c : closing) {
            c.close();
        }
        server.close();
        vault.close();
    }

    private static SniEntrySpec issued(String id, List<String> snis, IssuerSpec issuer) {
        return SniEntrySpec.builder(id).snis(snis).issuer(issuer).build();
    }

    private static IssuerSpec gateway() {
        return IssuerSpec.of("pki-secret", "gateway");
    }

    private TlsServerFixture.Result served(String sni) throws Exception {
        return server.handshake(client, sni, null, null);
    }

    private long signs() {
        return vault.count("POST", "/v1/pki/sign/gateway");
    }

    @Test
    void exactNames_areIssuedAtPut_inOneCertificate_servedWithVaultsChain() throws Exception {
        start(Clock.systemUTC());
        SniEntryStatus status = registry.put(issued("internal", List.of("api.internal.test", "www.internal.test"), gateway()))
                .get(2, TimeUnit.SECONDS);
        assertEquals(SniEntryStatus.State.ACTIVE, status.state(), status::toString);
        assertEquals(1, status.issued().size());
        TlsServerFixture.Result result = served("www.internal.test");
        assertEquals(List.of("api.internal.test", "www.internal.test"), dnsNames(result.leaf()));
        assertEquals(2, result.chain().size(), "Vault's certificate, then its ca_chain");
        assertEquals("CN=Internal Root", result.chain().get(1).getSubjectX500Principal().getName());
        assertEquals(serial(result.leaf()), status.issued().get(0).serial());
        assertEquals("EC", result.leaf().getPublicKey().getAlgorithm(), "key_type defaults to ec");
        assertEquals(1, signs());
        assertEquals(List.of("internal ISSUED"), issuances);
    }

    @Test
    void signMode_sendsACsr_andThePrivateKeyNeverLeaves() throws Exception {
        start(Clock.systemUTC());
        registry.put(issued("internal", List.of("api.internal.test"), gateway())).get(2, TimeUnit.SECONDS);
        served("api.internal.test");
        byte[] key = registry.entry("internal").orElseThrow().keys().get(0).privateKey().getEncoded();
        List<RecordedRequest> requests = vault.requests();
        assertTrue(requests.stream().anyMatch(r -> r.body().contains("BEGIN CERTIFICATE REQUEST")), "a CSR was sent");
        for (RecordedRequest request : requests) {
            String body = request.body().replace("\\n", "");
            assertFalse(body.contains("PRIVATE KEY"), request::toString);
            assertFalse(body.contains(Base64.getEncoder().encodeToString(key).substring(0, 40)), request::toString);
        }
        assertFalse(registry.status("internal").orElseThrow().toString().contains("PRIVATE"));
    }

    @Test
    void issueMode_servesTheKeyVaultMade() throws Exception {
        start(Clock.systemUTC());
        IssuerSpec issue = new IssuerSpec("pki-secret", "pki", "vault-keys", Duration.ofHours(1), IssuerSpec.KeyType.EC,
                IssuerSpec.Mode.ISSUE, Duration.ofSeconds(3), 10, 10);
        SniEntryStatus status = registry.put(issued("made", List.of("made.internal.test"), issue)).get(2, TimeUnit.SECONDS);
        assertEquals(SniEntryStatus.State.ACTIVE, status.state(), status::toString);
        assertEquals(List.of("made.internal.test"), dnsNames(served("made.internal.test").leaf()));
        assertEquals(1, vault.count("POST", "/v1/pki/issue/vault-keys"));
        assertEquals(0, signs());
    }

    @Test
    void wildcardNames_areIssuedOnTheirFirstHandshake_oncePerName() throws Exception {
        start(Clock.systemUTC());
        registry.put(issued("svc", List.of("*.svc.internal.test"), gateway())).get(2, TimeUnit.SECONDS);
        assertEquals(0, signs(), "nothing is issued before a handshake asks");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<TlsServerFixture.Result>> handshakes = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                handshakes.add(pool.submit(() -> served("a.svc.internal.test")));
            }
            for (Future<TlsServerFixture.Result> handshake : handshakes) {
                assertEquals(List.of("a.svc.internal.test"), dnsNames(handshake.get(20, TimeUnit.SECONDS).leaf()));
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, signs(), "concurrent first handshakes share one issuance");
        assertEquals(List.of("b.svc.internal.test"), dnsNames(served("b.svc.internal.test").leaf()));
        assertEquals(2, signs());
        assertEquals(2, registry.status("svc").orElseThrow().issued().size());
    }

    @Test
    void namesOutsideTheSnis_pastTheCap_orOverTheRate_areRefused() throws Exception {
        start(Clock.systemUTC());
        IssuerSpec capped = new IssuerSpec("pki-secret", "pki", "gateway", null, IssuerSpec.KeyType.EC, IssuerSpec.Mode.SIGN,
                Duration.ofSeconds(3), 2, 10);
        IssuerSpec slow = new IssuerSpec("pki-secret", "pki", "gateway", null, IssuerSpec.KeyType.EC, IssuerSpec.Mode.SIGN,
                Duration.ofSeconds(3), 100, 1);
        registry.put(issued("capped", List.of("*.capped.internal.test"), capped)).get(2, TimeUnit.SECONDS);
        registry.put(issued("slow", List.of("*.slow.internal.test"), slow)).get(2, TimeUnit.SECONDS);
        assertThrows(SSLException.class, () -> served("a.b.capped.internal.test"), "one label only, as a wildcard SNI");
        assertThrows(SSLException.class, () -> served("x.other.test"));
        served("a.capped.internal.test");
        served("b.capped.internal.test");
        assertThrows(SSLException.class, () -> served("c.capped.internal.test"), "max_names");
        served("a.capped.internal.test");
        served("a.slow.internal.test");
        assertThrows(SSLException.class, () -> served("b.slow.internal.test"), "names_per_minute");
        assertEquals(3, signs());
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertTrue(
                String.valueOf(registry.status("slow").orElseThrow().error()).contains("names_per_minute"),
                registry.status("slow").orElseThrow()::toString));
        assertTrue(issuances.contains("capped REFUSED") && issuances.contains("slow REFUSED"), issuances::toString);
    }

    /**
     * A name Vault will not issue, asked for handshake after handshake: each refusal is counted, and its failure is
     * logged once a minute, not once a handshake.
     */
    @Test
    void aNameVaultRefuses_isCountedEachTime_andLoggedOnceAMinute() throws Exception {
        TestClock clock = new TestClock(Instant.now());
        start(clock);
        registry.put(issued("outside-role", List.of("*.outside-role.test"), gateway())).get(2, TimeUnit.SECONDS);
        String failure = "cannot issue a certificate for [x.outside-role.test]";
        long before = TestLog.count(failure);
        for (int i = 0; i < 3; i++) {
            int failed = i + 1;
            assertThrows(SSLException.class, () -> served("x.outside-role.test"));
            await().until(() -> issuances.stream().filter("outside-role FAILED"::equals).count() == failed);
            clock.advance(Duration.ofSeconds(5)); // past the breaker's cool-down: the next handshake asks Vault again
        }
        assertEquals(1, TestLog.count(failure) - before, "three failures of one name within a minute: one line");
        clock.advance(Duration.ofMinutes(1));
        assertThrows(SSLException.class, () -> served("x.outside-role.test"));
        await().until(() -> issuances.stream().filter("outside-role FAILED"::equals).count() == 4);
        await().atMost(Duration.ofSeconds(2)).until(() -> TestLog.count(failure) - before == 2);
    }

    @Test
    void aFailedIssuance_isRefused_newNamesAreRefusedAtOnceAWhile_thenServedOnceVaultAnswers() throws Exception {
        TestClock clock = new TestClock(Instant.now());
        start(clock);
        registry.put(issued("svc", List.of("*.svc.internal.test"), gateway())).get(2, TimeUnit.SECONDS);
        vault.setReachable(false);
        assertThrows(SSLException.class, () -> served("a.svc.internal.test"));
        assertTrue(registry.status("svc").orElseThrow().error().startsWith("a.svc.internal.test: "));
        await().until(() -> issuances.contains("svc FAILED"));
        long requests = vault.requests().size();
        vault.setReachable(true);
        assertThrows(SSLException.class, () -> served("b.svc.internal.test"), "the breaker is open: refused at once");
        assertEquals(requests, vault.requests().size(), "Vault was not asked while the breaker was open");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertTrue(
                String.valueOf(registry.status("svc").orElseThrow().error()).contains("did not answer"),
                registry.status("svc").orElseThrow()::toString));
        clock.advance(Duration.ofSeconds(2)); // past the breaker's first cool-down: the next new name is its probe
        assertEquals(List.of("a.svc.internal.test"), dnsNames(served("a.svc.internal.test").leaf()));
        assertEquals(List.of("svc FAILED", "svc REFUSED", "svc ISSUED"), issuances);
    }

    @Test
    void aMissingSecretObject_failsTheObject_untilItExists() throws Exception {
        start(Clock.systemUTC());
        SniEntryStatus status = registry.put(issued("early", List.of("early.internal.test"),
                IssuerSpec.of("later", "gateway"))).get(2, TimeUnit.SECONDS);
        assertEquals(SniEntryStatus.State.FAILED, status.state());
        assertEquals("no secret object vault/later", status.error());
        resolver.register("vault", "later", resolver.manager("vault", "pki-secret").orElseThrow());
        await().atMost(Duration.ofSeconds(10)).until(() -> registry.status("early").orElseThrow().state() == SniEntryStatus.State.ACTIVE);
        served("early.internal.test");
    }

    @Test
    void renewal_servesANewSerial_withoutAFailedHandshake() throws Exception {
        start(Clock.systemUTC());
        IssuerSpec shortLived = new IssuerSpec("pki-secret", "pki", "gateway", Duration.ofSeconds(6), IssuerSpec.KeyType.EC,
                IssuerSpec.Mode.SIGN, Duration.ofSeconds(3), 10, 10);
        registry.put(issued("short", List.of("short.internal.test"), shortLived)).get(2, TimeUnit.SECONDS);
        String first = serial(served("short.internal.test").leaf());
        Set<String> serials = ConcurrentHashMap.newKeySet();
        AtomicInteger failures = new AtomicInteger();
        AtomicBoolean running = new AtomicBoolean(true);
        ExecutorService clients = Executors.newFixedThreadPool(32);
        try {
            for (int i = 0; i < 32; i++) {
                clients.execute(() -> {
                    while (running.get()) {
                        try {
                            serials.add(serial(served("short.internal.test").leaf()));
                        } catch (Exception e) {
                            failures.incrementAndGet();
                        }
                    }
                });
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> serials.size() >= 2);
        } finally {
            running.set(false);
            clients.shutdown();
            assertTrue(clients.awaitTermination(30, TimeUnit.SECONDS));
        }
        assertEquals(0, failures.get(), "handshakes failed across the renewal");
        assertTrue(serials.contains(first) && serials.size() >= 2, serials::toString);
        Instant renewAt = registry.status("short").orElseThrow().issued().get(0).renewAt();
        assertTrue(renewAt.isAfter(Instant.now()), "the next renewal is scheduled ahead");
    }

    @Test
    void vaultDownAtRenewal_keepsTheCurrentCertificate_untilItExpires() throws Exception {
        TestClock clock = new TestClock(Instant.now());
        start(clock);
        IssuerSpec hour = new IssuerSpec("pki-secret", "pki", "gateway", Duration.ofHours(1), IssuerSpec.KeyType.EC,
                IssuerSpec.Mode.SIGN, Duration.ofSeconds(3), 10, 10);
        registry.put(issued("hour", List.of("hour.internal.test"), hour)).get(2, TimeUnit.SECONDS);
        String first = serial(served("hour.internal.test").leaf());
        SniEntryStatus.IssuedName issuedName = registry.status("hour").orElseThrow().issued().get(0);
        // Counted on the registry's clock, which stands still here: the wall clock moves on while the test runs,
        // and a renewal with the largest jitter (38 min) once fell a moment short of "now + 38 min".
        assertTrue(!issuedName.renewAt().isBefore(clock.instant().plus(Duration.ofMinutes(38)))
                && !issuedName.renewAt().isAfter(clock.instant().plus(Duration.ofMinutes(41))),
                "two thirds of the hour, less at most a thirtieth: " + issuedName);
        vault.setReachable(false);
        clock.advance(Duration.ofMinutes(41));
        registry.renewDue().join();
        await().atMost(Duration.ofSeconds(10)).until(() -> registry.status("hour").orElseThrow().error() != null);
        assertEquals(first, serial(served("hour.internal.test").leaf()), "the current certificate is kept");
        clock.advance(Duration.ofMinutes(20));
        registry.renewDue().join();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThrows(SSLException.class, () -> served("hour.internal.test")));
        vault.setReachable(true);
        clock.advance(Duration.ofMinutes(2)); // past the backoff
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            registry.renewDue().join();
            return registry.status("hour").orElseThrow().state() == SniEntryStatus.State.ACTIVE;
        });
        // (not a handshake: by this test's clock the new certificate starts an hour from the client's now)
        assertNotEquals(first, registry.status("hour").orElseThrow().issued().get(0).serial());
    }

    @Test
    void aRestart_servesTheStoredCertificate_withoutAskingVault() throws Exception {
        IssuedCertificateStore store = IssuedCertificateStore.inMemory();
        start(Clock.systemUTC(), store);
        registry.put(issued("kept", List.of("kept.internal.test"), gateway())).get(2, TimeUnit.SECONDS);
        String first = serial(served("kept.internal.test").leaf());
        runtimes.close();
        server.close();
        server = new TlsServerFixture();
        SslObjectRegistry restarted = node(Clock.systemUTC(), server.certificates(), store).registry();
        restarted.put(issued("kept", List.of("kept.internal.test"), gateway())).get(2, TimeUnit.SECONDS);
        assertEquals(first, serial(served("kept.internal.test").leaf()));
        assertEquals(1, signs());
        SniEntryStatus changed = restarted.put(issued("kept", List.of("kept.internal.test"),
                new IssuerSpec("pki-secret", "pki", "gateway", Duration.ofHours(2), IssuerSpec.KeyType.EC, IssuerSpec.Mode.SIGN,
                        Duration.ofSeconds(3), 10, 10))).get(2, TimeUnit.SECONDS);
        assertNotEquals(first, changed.issued().get(0).serial(), "a changed ttl issues anew");
        assertEquals(2, signs());
        assertEquals(List.of("kept ISSUED", "kept ADOPTED", "kept ISSUED"), issuances);
    }

    @Test
    void twoNodes_sharingAStore_serveOneCertificatePerName() throws Exception {
        IssuedCertificateStore store = IssuedCertificateStore.inMemory();
        start(Clock.systemUTC(), store);
        TlsServerFixture otherServer = new TlsServerFixture();
        closing.add(otherServer);
        SslObjectRegistry other = node(Clock.systemUTC(), otherServer.certificates(), store).registry();
        SniEntrySpec spec = issued("shared", List.of("shared.internal.test"), gateway());
        var a = registry.put(spec);
        var b = other.put(spec);
        String servedHere = a.get(5, TimeUnit.SECONDS).issued().get(0).serial();
        String servedThere = b.get(5, TimeUnit.SECONDS).issued().get(0).serial();
        assertEquals(servedHere, servedThere);
        assertEquals(servedHere, serial(served("shared.internal.test").leaf()));
        assertEquals(servedHere, serial(otherServer.handshake(client, "shared.internal.test", null, null).leaf()));
    }

    private static List<String> dnsNames(X509Certificate certificate) throws Exception {
        return certificate.getSubjectAlternativeNames().stream().filter(n -> (Integer) n.get(0) == 2)
                .map(n -> (String) n.get(1)).toList();
    }

    /** Vault's spelling of a serial: hex pairs joined by colons. */
    private static String serial(X509Certificate certificate) {
        return HexFormat.ofDelimiter(":").formatHex(certificate.getSerialNumber().toByteArray());
    }
}
