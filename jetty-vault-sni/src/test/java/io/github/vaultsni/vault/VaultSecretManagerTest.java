package io.github.vaultsni.vault;

import io.github.vaultsni.secret.SecretCacheSettings;
import io.github.vaultsni.secret.SecretException;
import io.github.vaultsni.secret.SecretException.Kind;
import io.github.vaultsni.secret.SecretReference;
import io.github.vaultsni.secret.SecretResolver;
import io.github.vaultsni.testsupport.TestClock;
import io.github.vaultsni.vaulttest.RecordedRequest;
import io.github.vaultsni.vaulttest.SelfSignedTls;
import io.github.vaultsni.vaulttest.VaultHttp;
import io.github.vaultsni.vaulttest.VaultTestServer;
import org.eclipse.jetty.util.component.LifeCycle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Secret references resolved from the Vault-compatible test server through the real driver, laid out as the
 * APISIX walk-through does: KV v1 at {@code kv/}, a policy with only {@code read} on {@code kv/apisix/*},
 * fields {@code test.com.crt}/{@code test.com.key} under {@code kv/apisix/ssl}, a non-root token.
 */
@Timeout(120)
class VaultSecretManagerTest {
    static final String ROOT = "root-token-never-printed";
    static final String CRT_VALUE = "-----BEGIN CERTIFICATE-----\nMIIB-test-cert\n-----END CERTIFICATE-----";
    static final String KEY_VALUE = "-----BEGIN PRIVATE KEY-----\nMIIE-very-secret-key\n-----END PRIVATE KEY-----";
    static final SecretReference CRT = SecretReference.parse("$secret://vault/quickstart-secret-id/ssl/test.com.crt");
    static final SecretReference KEY = SecretReference.parse("$secret://vault/quickstart-secret-id/ssl/test.com.key");

    private final TestClock clock = new TestClock();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private VaultTestServer server;
    private VaultHttp http;

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
    }

    private VaultTestServer startServer(Clock serverClock) {
        server = VaultTestServer.builder().rootToken(ROOT).clock(serverClock).start();
        closeables.add(server);
        http = new VaultHttp(server.address());
        return server;
    }

    /** The walk-through's Vault: KV v1 at kv/, apisix-policy, the certificate stored, a token with the policy. */
    private String walkThroughVault(Clock serverClock) {
        startServer(serverClock);
        http.enableKv(ROOT, "kv", 1);
        http.writePolicy(ROOT, "apisix-policy", "path \"kv/apisix/*\" {\n    capabilities = [\"read\"]\n}\n");
        http.putSecret(ROOT, 1, "kv", "apisix/ssl", Map.of("test.com.crt", CRT_VALUE, "test.com.key", KEY_VALUE));
        return http.createToken(ROOT, List.of("apisix-policy"), null);
    }

    private SecretResolver resolver(Clock resolverClock, SecretCacheSettings cache, boolean background,
                                    VaultSettings.Builder settings) {
        SecretResolver resolver = SecretResolver.builder().clock(resolverClock).cache(cache).backgroundRefresh(background)
                .environment(Map.of("APPROLE_SECRET_ID", "unused")::get).build();
        LifeCycle.start(resolver);
        closeables.add(resolver);
        resolver.register("vault", "quickstart-secret-id",
                new VaultSecretManager(settings.build(), resolverClock, resolver::resolveValue));
        return resolver;
    }

    private SecretResolver resolver(VaultSettings.Builder settings) {
        return resolver(clock, SecretCacheSettings.defaults(), false, settings);
    }

    @Test
    void walkThrough_kv1_readOnlyToken_resolvesCertificateAndKeyInOneRead() {
        String token = walkThroughVault(clock);
        SecretResolver resolver = resolver(VaultSettings.builder(server.address()).prefix("kv/apisix")
                .auth(VaultAuth.token(token)));
        assertEquals(CRT_VALUE, resolver.resolve(CRT));
        assertEquals(KEY_VALUE, resolver.resolve(KEY));
        assertEquals(1, server.count("GET", "/v1/kv/apisix/ssl"));
        assertEquals(1, server.count("GET", "/v1/sys/internal/ui/mounts/kv/apisix/ssl"));
    }

    /** A mount at the top ({@code kv2/}) and a nested one ({@code team/kv/}): detection finds where data/ goes. */
    @ParameterizedTest
    @ValueSource(strings = {"kv2", "team/kv"})
    void kv2_autoDetected_readsUnderData(String mount) {
        startServer(clock);
        http.enableKv(ROOT, mount, 2);
        http.putSecret(ROOT, 2, mount, "apisix/ssl", Map.of("test.com.crt", CRT_VALUE));
        SecretResolver resolver = resolver(VaultSettings.builder(server.address()).prefix(mount + "/apisix")
                .auth(VaultAuth.token(ROOT)));
        assertEquals(CRT_VALUE, resolver.resolve(CRT));
        assertEquals(1, server.count("GET", "/v1/" + mount + "/data/apisix/ssl"));
    }

    @Test
    void kv2_softDeletedSecretIsNotFound() {
        startServer(clock);
        http.putSecret(ROOT, 2, "secret", "apisix/ssl", Map.of("test.com.crt", CRT_VALUE));
        http.expect(204, "DELETE", "secret/data/apisix/ssl", ROOT, null);
        SecretResolver resolver = resolver(VaultSettings.builder(server.address()).prefix("secret/apisix")
                .auth(VaultAuth.token(ROOT)));
        assertEquals(Kind.NOT_FOUND, assertThrows(SecretException.class, () -> resolver.resolve(CRT)).kind());
    }

    @Test
    void kvVersionForcedTo1_skipsDetection() {
        String token = walkThroughVault(clock);
        SecretResolver resolver = resolver(VaultSettings.builder(server.address()).prefix("kv/apisix")
                .kvVersion(KvVersion.V1).auth(VaultAuth.token(token)));
        assertEquals(CRT_VALUE, resolver.resolve(CRT));
        assertEquals(0, server.requests().stream().filter(r -> r.path().contains("ui/mounts")).count());
    }

    @Test
    void namespace_isSentOnEveryRequest() {
        String token = walkThroughVault(clock);
        server.clearRequests();
        SecretResolver resolver = resolver(VaultSettings.builder(server.address()).prefix("kv/apisix")
                .namespace("team-a").auth(VaultAuth.token(token)));
        resolver.resolve(CRT);
        assertFalse(server.requests().isEmpty());
        for (RecordedRequest r : server.requests()) {
            assertEquals("team-a", r.namespace(), r.path());
        }
    }

    @Test
    void appRole_renewsBeforeExpiry_andLogsInAgainNearMaxTtl() {
        walkThroughVault(clock);
        String[] ids = http.appRole(ROOT, "apisix", List.of("apisix-policy"), "60s");
        SecretResolver resolver = SecretResolver.builder().clock(clock).backgroundRefresh(false)
                .cache(SecretCacheSettings.builder().ttl(Duration.ofSeconds(20)).build())
                .environment(Map.of("APPROLE_SECRET_ID", ids[1])::get).build();
        LifeCycle.start(resolver);
        closeables.add(resolver);
        VaultSecretManager manager = new VaultSecretManager(VaultSettings.builder(server.address()).prefix("kv/apisix")
                .auth(VaultAuth.appRole(ids[0], "$env://APPROLE_SECRET_ID")).build(), clock, resolver::resolveValue);
        resolver.register("vault", "quickstart-secret-id", manager);

        assertEquals(CRT_VALUE, resolver.resolve(CRT));
        assertEquals(1, server.count("POST", "/v1/auth/approle/login"));
        // Past two thirds of the 60 s lease: the background upkeep renews instead of logging in.
        clock.advance(Duration.ofSeconds(41));
        manager.maintain();
        assertEquals(1, server.count("POST", "/v1/auth/token/renew-self"));
        assertEquals(1, server.count("POST", "/v1/auth/approle/login"));
        // Keep reading for 70 minutes, past the role's 1 h max TTL: every read succeeds; a new login happens.
        for (int i = 0; i < 100; i++) {
            clock.advance(Duration.ofSeconds(41));
            manager.maintain();
            resolver.refreshDue().join();
            assertEquals(CRT_VALUE, resolver.resolve(CRT));
        }
        assertTrue(server.count("POST", "/v1/auth/approle/login") >= 2);
        assertEquals(0, server.requests().stream().filter(r -> r.status() == 403).count(), "no read was denied");
    }

    @Test
    void appRole_tokenExpiredWithoutUpkeep_logsInAgainOnNextRead() {
        walkThroughVault(clock);
        String[] ids = http.appRole(ROOT, "apisix", List.of("apisix-policy"), "60s");
        SecretResolver resolver = resolver(clock, SecretCacheSettings.builder().ttl(Duration.ofSeconds(10)).build(),
                false, VaultSettings.builder(server.address()).prefix("kv/apisix").auth(VaultAuth.appRole(ids[0], ids[1])));
        assertEquals(CRT_VALUE, resolver.resolve(CRT));
        clock.advance(Duration.ofMinutes(5));
        resolver.refreshDue().join();
        assertEquals(CRT_VALUE, resolver.resolve(CRT));
        assertEquals(2, server.count("POST", "/v1/auth/approle/login"));
    }

    @Test
    void appRole_wrongSecretId_isAuthFailedWithoutTheSecretId() {
        walkThroughVault(clock);
        String[] ids = http.appRole(ROOT, "apisix", List.of("apisix-policy"), "60s");
        SecretResolver resolver = resolver(VaultSettings.builder(server.address()).prefix("kv/apisix")
                .auth(VaultAuth.appRole(ids[0], "wrong-secret-id-value")));
        SecretException e = assertThrows(SecretException.class, () -> resolver.resolve(CRT));
        assertEquals(Kind.AUTH_FAILED, e.kind());
        assertEquals("failed to resolve secret reference " + CRT + ": Vault answered 400 logging in with AppRole role_id "
                + ids[0] + " at auth/approle: invalid role or secret ID", e.getMessage());
        assertFalse(e.getMessage().contains("wrong-secret-id-value"));
    }

    @Test
    void wrongToken_isAnInvalidTokenWithoutTheToken() {
        walkThroughVault(clock);
        SecretResolver resolver = resolver(VaultSettings.builder(server.address()).prefix("kv/apisix")
                .auth(VaultAuth.token("hvs.wrong-token-value")));
        SecretException e = assertThrows(SecretException.class, () -> resolver.resolve(CRT));
        assertEquals(Kind.INVALID_TOKEN, e.kind(), "told apart from a policy's refusal by kind, not by text");
        assertEquals("failed to resolve secret reference " + CRT + ": permission denied (403, invalid token) looking up "
                + "the token", e.getMessage());
        assertFalse(e.getMessage().contains("wrong-token-value"));
    }

    @Test
    void policyWithoutThePath_isPermissionDenied() {
        String token = walkThroughVault(clock);
        http.putSecret(ROOT, 1, "kv", "other/ssl", Map.of("test.com.crt", CRT_VALUE));
        SecretResolver resolver = resolver(VaultSettings.builder(server.address()).prefix("kv/other")
                .auth(VaultAuth.token(token)));
        SecretException e = assertThrows(SecretException.class, () -> resolver.resolve(CRT));
        assertEquals(Kind.PERMISSION_DENIED, e.kind());
        assertEquals("failed to resolve secret reference " + CRT + ": permission denied (403) reading kv/other/ssl",
                e.getMessage());
    }

    @Test
    void missingPathAndField_areNamed() {
        String token = walkThroughVault(clock);
        SecretResolver resolver = resolver(VaultSettings.builder(server.address()).prefix("kv/apisix")
                .auth(VaultAuth.token(token)));
        assertEquals("failed to resolve secret reference $secret://vault/quickstart-secret-id/nope/test.com.crt: no "
                        + "secret at nope in vault/quickstart-secret-id",
                assertThrows(SecretException.class, () -> resolver.resolveValue(
                        "$secret://vault/quickstart-secret-id/nope/test.com.crt")).getMessage());
        assertEquals("failed to resolve secret reference $secret://vault/quickstart-secret-id/ssl/www.crt: secret ssl "
                        + "has no field www.crt",
                assertThrows(SecretException.class, () -> resolver.resolveValue(
                        "$secret://vault/quickstart-secret-id/ssl/www.crt")).getMessage());
    }

    @Test
    void vaultDown_staleValueServed_andChangeSeenAfterRecovery() {
        String token = walkThroughVault(clock);
        SecretResolver resolver = resolver(VaultSettings.builder(server.address()).prefix("kv/apisix")
                .auth(VaultAuth.token(token)).timeout(Duration.ofSeconds(2)));
        assertEquals(CRT_VALUE, resolver.resolve(CRT));
        server.setReachable(false);
        clock.advance(Duration.ofSeconds(301));
        resolver.refreshDue().join();
        assertEquals(CRT_VALUE, resolver.resolve(CRT), "last good value through the outage");
        server.setReachable(true);
        http.putSecret(ROOT, 1, "kv", "apisix/ssl", Map.of("test.com.crt", "ROTATED", "test.com.key", KEY_VALUE));
        clock.advance(Duration.ofSeconds(61));
        resolver.refreshDue().join();
        assertEquals("ROTATED", resolver.resolve(CRT));
    }

    @Test
    void vaultDown_withNothingCached_isUnreachable() {
        String token = walkThroughVault(clock);
        server.setReachable(false);
        SecretResolver resolver = resolver(VaultSettings.builder(server.address()).prefix("kv/apisix")
                .auth(VaultAuth.token(token)));
        SecretException e = assertThrows(SecretException.class, () -> resolver.resolve(CRT));
        assertEquals(Kind.UNREACHABLE, e.kind());
        assertTrue(e.getMessage().contains("Vault at " + server.address() + " is unreachable"), e.getMessage());
    }

    @Test
    void sealedVault_isSealed() {
        String token = walkThroughVault(clock);
        server.seal();
        SecretResolver resolver = resolver(VaultSettings.builder(server.address()).prefix("kv/apisix")
                .auth(VaultAuth.token(token)));
        SecretException e = assertThrows(SecretException.class, () -> resolver.resolve(CRT));
        assertEquals(Kind.SEALED, e.kind());
        assertTrue(e.getMessage().contains("Vault is sealed (503)"), e.getMessage());
    }

    @Test
    void slowVault_isTimeout() {
        String token = walkThroughVault(clock);
        server.injectLatency(Duration.ofMillis(2500));
        SecretResolver resolver = resolver(VaultSettings.builder(server.address()).prefix("kv/apisix")
                .auth(VaultAuth.token(token)).timeout(Duration.ofSeconds(1)));
        SecretException e = assertThrows(SecretException.class, () -> resolver.resolve(CRT));
        assertEquals(Kind.TIMEOUT, e.kind());
    }

    @Test
    void changedValue_isNoticedWithinOneRefreshInterval() throws Exception {
        String token = walkThroughVault(Clock.systemUTC());
        SecretResolver resolver = resolver(Clock.systemUTC(), SecretCacheSettings.builder().ttl(Duration.ofSeconds(1))
                        .refreshTick(Duration.ofMillis(100)).build(), true,
                VaultSettings.builder(server.address()).prefix("kv/apisix").auth(VaultAuth.token(token)));
        CountDownLatch changed = new CountDownLatch(1);
        resolver.addListener(ref -> {
            if (ref.equals(CRT)) {
                changed.countDown();
            }
        });
        assertEquals(CRT_VALUE, resolver.resolve(CRT));
        long start = System.nanoTime();
        http.putSecret(ROOT, 1, "kv", "apisix/ssl", Map.of("test.com.crt", "ROTATED", "test.com.key", KEY_VALUE));
        assertTrue(changed.await(5, TimeUnit.SECONDS), "listener told of the change");
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(millis < 1000 + 100 + 500, "noticed after " + millis + " ms");
        assertEquals("ROTATED", resolver.resolve(CRT));
    }

    @Test
    void singleFlight_hundredConcurrentResolutionsMakeOneVaultRead() throws Exception {
        String token = walkThroughVault(Clock.systemUTC());
        SecretResolver resolver = resolver(Clock.systemUTC(), SecretCacheSettings.defaults(), false,
                VaultSettings.builder(server.address()).prefix("kv/apisix").auth(VaultAuth.token(token)));
        server.injectLatency(Duration.ofMillis(200));
        List<CompletableFuture<String>> calls = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            calls.add(resolver.resolveAsync(i % 2 == 0 ? CRT : KEY));
        }
        for (int i = 0; i < 100; i++) {
            assertEquals(i % 2 == 0 ? CRT_VALUE : KEY_VALUE, calls.get(i).get(10, TimeUnit.SECONDS));
        }
        assertEquals(1, server.count("GET", "/v1/kv/apisix/ssl"));
    }

    @Test
    void httpsVault_trustsTheGivenCa_refusesWithoutIt_orSkipsVerification() {
        SelfSignedTls tls = SelfSignedTls.create();
        server = VaultTestServer.builder().rootToken(ROOT).clock(clock).tls(tls.serverContext()).start();
        closeables.add(server);
        http = new VaultHttp(server.address(), tls.clientContext());
        http.enableKv(ROOT, "kv", 1);
        http.putSecret(ROOT, 1, "kv", "apisix/ssl", Map.of("test.com.crt", CRT_VALUE));
        assertTrue(server.address().startsWith("https://"));

        SecretResolver trusting = resolver(VaultSettings.builder(server.address()).prefix("kv/apisix")
                .caPem(tls.certificatePem()).auth(VaultAuth.token(ROOT)));
        assertEquals(CRT_VALUE, trusting.resolve(CRT));

        SecretResolver strict = resolver(VaultSettings.builder(server.address()).prefix("kv/apisix")
                .auth(VaultAuth.token(ROOT)));
        SecretException e = assertThrows(SecretException.class, () -> strict.resolve(CRT));
        assertEquals(Kind.UNREACHABLE, e.kind());
        assertTrue(e.getMessage().contains("SSLHandshakeException"), e.getMessage());

        SecretResolver unverified = resolver(VaultSettings.builder(server.address()).prefix("kv/apisix")
                .verify(false).auth(VaultAuth.token(ROOT)));
        assertEquals(CRT_VALUE, unverified.resolve(CRT));
    }

    @Test
    void settingsAndManager_toStringNeverPrintSecrets() {
        VaultSettings token = VaultSettings.builder("http://127.0.0.1:8200").auth(VaultAuth.token("hvs.SECRET-TOKEN")).build();
        VaultSettings appRole = VaultSettings.builder("https://vault.example:8200")
                .auth(VaultAuth.appRole("role-1", "SECRET-ID-VALUE")).build();
        for (Object o : List.of(token, appRole, new VaultSecretManager(token, clock, s -> s), appRole.auth())) {
            assertFalse(o.toString().contains("SECRET"), o.toString());
        }
        assertTrue(appRole.toString().contains("role_id=role-1"));
    }

    @Test
    void settings_rejectBadValuesNamingThem() {
        assertEquals("uri (vault:8200) must look like http://host:port",
                assertThrows(IllegalArgumentException.class, () -> VaultSettings.builder("vault:8200")).getMessage());
        assertEquals("uri (ftp://vault:21) must use http or https",
                assertThrows(IllegalArgumentException.class, () -> VaultSettings.builder("ftp://vault:21")).getMessage());
        assertEquals("timeout (PT0S) must be positive", assertThrows(IllegalArgumentException.class,
                () -> VaultSettings.builder("http://v:1").timeout(Duration.ZERO)).getMessage());
        assertEquals("kv_version (3) must be 1, 2 or auto",
                assertThrows(IllegalArgumentException.class, () -> KvVersion.of(3)).getMessage());
        assertEquals("auth (a token or AppRole credentials) is required",
                assertThrows(NullPointerException.class, () -> VaultSettings.builder("http://v:1").build()).getMessage());
    }
}
