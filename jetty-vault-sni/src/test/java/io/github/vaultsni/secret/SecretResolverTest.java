package io.github.vaultsni.secret;

import io.github.vaultsni.testsupport.TestClock;
import org.eclipse.jetty.util.component.LifeCycle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The cache's rules, against a manager the test controls and a clock it moves. */
class SecretResolverTest {
    private static final SecretReference CRT = SecretReference.parse("$secret://vault/s1/ssl/test.com.crt");
    private static final SecretReference KEY = SecretReference.parse("$secret://vault/s1/ssl/test.com.key");

    /** A manager whose answers the test sets; it counts reads and can be made to block or fail. */
    static final class ScriptedManager implements SecretManager {
        final Map<String, Map<String, String>> secrets = new ConcurrentHashMap<>();
        final AtomicInteger reads = new AtomicInteger();
        volatile SecretException failure;
        volatile CountDownLatch gate;

        @Override
        public Optional<Map<String, String>> read(String path) {
            reads.incrementAndGet();
            CountDownLatch g = gate;
            if (g != null) {
                try {
                    g.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (failure != null) {
                throw failure;
            }
            return Optional.ofNullable(secrets.get(path));
        }
    }

    private final TestClock clock = new TestClock();
    private final ScriptedManager vault = new ScriptedManager();
    private SecretResolver resolver;

    private SecretResolver resolver(SecretCacheSettings settings) {
        resolver = SecretResolver.builder().clock(clock).cache(settings).backgroundRefresh(false)
                .environment(Map.of("PLAIN", "v", "JSONV", "{\"secret_id\":\"abc\",\"n\":3}")::get).build();
        LifeCycle.start(resolver);
        resolver.register("vault", "s1", vault);
        return resolver;
    }

    private SecretResolver resolver() {
        return resolver(SecretCacheSettings.defaults());
    }

    @AfterEach
    void close() {
        if (resolver != null) {
            resolver.close();
        }
    }

    @Test
    void resolve_fieldsOfOnePathShareOneFetch() {
        vault.secrets.put("ssl", Map.of("test.com.crt", "CRT", "test.com.key", "KEY"));
        resolver();
        assertEquals("CRT", resolver.resolve(CRT));
        assertEquals("KEY", resolver.resolve(KEY));
        assertEquals(1, vault.reads.get());
    }

    @Test
    void resolve_freshValueIsNotFetchedAgainWithinTtl() {
        vault.secrets.put("ssl", Map.of("test.com.crt", "CRT"));
        resolver();
        resolver.resolve(CRT);
        clock.advance(Duration.ofSeconds(299));
        resolver.resolve(CRT);
        assertEquals(1, vault.reads.get());
    }

    @Test
    void resolve_staleValueIsAnsweredAtOnceAndRefreshedInBackground() throws Exception {
        vault.secrets.put("ssl", Map.of("test.com.crt", "OLD"));
        resolver();
        resolver.resolve(CRT);
        vault.secrets.put("ssl", Map.of("test.com.crt", "NEW"));
        vault.gate = new CountDownLatch(1);
        clock.advance(Duration.ofSeconds(301));
        assertEquals("OLD", resolver.resolve(CRT), "stale value answered without waiting");
        vault.gate.countDown();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10)).until(() -> resolver.resolve(CRT), "NEW"::equals);
        assertEquals(2, vault.reads.get());
    }

    @Test
    void resolve_outageKeepsLastGoodValue_andRecovers() {
        vault.secrets.put("ssl", Map.of("test.com.crt", "GOOD"));
        resolver();
        resolver.resolve(CRT);
        vault.failure = new SecretException(SecretException.Kind.UNREACHABLE, "Vault at http://x is unreachable");
        clock.advance(Duration.ofSeconds(301));
        resolver.refreshDue().join();
        assertEquals("GOOD", resolver.resolve(CRT));
        clock.advance(Duration.ofHours(5));
        resolver.refreshDue().join();
        assertEquals("GOOD", resolver.resolve(CRT), "no max staleness by default");
        vault.failure = null;
        vault.secrets.put("ssl", Map.of("test.com.crt", "BACK"));
        clock.advance(Duration.ofSeconds(61));
        resolver.refreshDue().join();
        assertEquals("BACK", resolver.resolve(CRT));
    }

    @Test
    void resolve_staleBeyondMaxStaleFails() {
        vault.secrets.put("ssl", Map.of("test.com.crt", "GOOD"));
        resolver(SecretCacheSettings.builder().maxStale(Duration.ofMinutes(10)).build());
        resolver.resolve(CRT);
        vault.failure = new SecretException(SecretException.Kind.SEALED, "Vault is sealed (503) reading kv/apisix/ssl");
        clock.advance(Duration.ofMinutes(5).plusSeconds(300));
        assertEquals("GOOD", resolver.resolve(CRT));
        clock.advance(Duration.ofMinutes(6));
        SecretException e = assertThrows(SecretException.class, () -> resolver.resolve(CRT));
        assertEquals(SecretException.Kind.SEALED, e.kind());
        assertEquals("failed to resolve secret reference $secret://vault/s1/ssl/test.com.crt: "
                + "Vault is sealed (503) reading kv/apisix/ssl", e.getMessage());
    }

    @Test
    void resolve_failureIsRememberedForNegativeTtl() {
        resolver();
        SecretException first = assertThrows(SecretException.class, () -> resolver.resolve(CRT));
        assertEquals(SecretException.Kind.NOT_FOUND, first.kind());
        assertEquals("failed to resolve secret reference $secret://vault/s1/ssl/test.com.crt: no secret at ssl in "
                + "vault/s1", first.getMessage());
        clock.advance(Duration.ofSeconds(59));
        assertThrows(SecretException.class, () -> resolver.resolve(CRT));
        assertEquals(1, vault.reads.get());
        vault.secrets.put("ssl", Map.of("test.com.crt", "NOW"));
        clock.advance(Duration.ofSeconds(2));
        assertEquals("NOW", resolver.resolve(CRT));
        assertEquals(2, vault.reads.get());
    }

    @Test
    void resolve_deletedSecretStopsBeingServed() {
        vault.secrets.put("ssl", Map.of("test.com.crt", "GOOD"));
        resolver();
        resolver.resolve(CRT);
        vault.secrets.remove("ssl");
        clock.advance(Duration.ofSeconds(301));
        resolver.refreshDue().join();
        assertEquals(SecretException.Kind.NOT_FOUND, assertThrows(SecretException.class, () -> resolver.resolve(CRT)).kind());
    }

    @Test
    void resolve_missingFieldNamesPathAndField() {
        vault.secrets.put("ssl", Map.of("other", "x"));
        resolver();
        SecretException e = assertThrows(SecretException.class, () -> resolver.resolve(CRT));
        assertEquals(SecretException.Kind.MISSING_FIELD, e.kind());
        assertEquals("failed to resolve secret reference $secret://vault/s1/ssl/test.com.crt: secret ssl has no "
                + "field test.com.crt", e.getMessage());
    }

    @Test
    void resolve_unknownSecretObjectAndManager() {
        resolver();
        SecretException object = assertThrows(SecretException.class,
                () -> resolver.resolveValue("$secret://vault/nope/ssl/crt"));
        assertEquals(SecretException.Kind.NO_SUCH_SECRET_OBJECT, object.kind());
        assertEquals("failed to resolve secret reference $secret://vault/nope/ssl/crt: no secret object vault/nope",
                object.getMessage());
        SecretException manager = assertThrows(SecretException.class,
                () -> resolver.resolveValue("$secret://aws/one/ssl/crt"));
        assertEquals(SecretException.Kind.NO_SUCH_MANAGER, manager.kind());
        assertEquals("failed to resolve secret reference $secret://aws/one/ssl/crt: no secret manager aws",
                manager.getMessage());
        SecretException malformed = assertThrows(SecretException.class, () -> resolver.resolveValue("$secret://vault/x"));
        assertEquals(SecretException.Kind.MALFORMED_REFERENCE, malformed.kind());
    }

    @Test
    void resolveValue_returnsPlainValuesUnchanged() {
        resolver();
        assertEquals("-----BEGIN CERTIFICATE-----", resolver.resolveValue("-----BEGIN CERTIFICATE-----"));
        assertEquals(0, vault.reads.get());
    }

    @Test
    void resolve_env_valueAndJsonField_andErrorsWithoutValues() {
        resolver();
        assertEquals("v", resolver.resolveValue("$env://PLAIN"));
        assertEquals("abc", resolver.resolveValue("$ENV://JSONV/secret_id"));
        assertEquals("3", resolver.resolveValue("$env://JSONV/n"));
        assertEquals("failed to resolve secret reference $env://UNSET: environment variable UNSET is not set",
                assertThrows(SecretException.class, () -> resolver.resolveValue("$env://UNSET")).getMessage());
        assertEquals("failed to resolve secret reference $env://PLAIN/x: environment variable PLAIN does not hold a "
                + "JSON object", assertThrows(SecretException.class, () -> resolver.resolveValue("$env://PLAIN/x")).getMessage());
        String missing = assertThrows(SecretException.class, () -> resolver.resolveValue("$env://JSONV/role")).getMessage();
        assertEquals("failed to resolve secret reference $env://JSONV/role: environment variable JSONV has no field role",
                missing);
        assertFalse(missing.contains("abc"));
    }

    @Test
    void resolve_singleFlight_hundredConcurrentCallersMakeOneFetch() throws Exception {
        vault.secrets.put("ssl", Map.of("test.com.crt", "CRT"));
        vault.gate = new CountDownLatch(1);
        resolver();
        List<CompletableFuture<String>> calls = new ArrayList<>();
        List<Thread> callers = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 100; i++) {
            calls.add(CompletableFuture.supplyAsync(() -> resolver.resolve(CRT), runnable -> {
                Thread caller = new Thread(runnable);
                callers.add(caller);
                caller.start();
            }));
        }
        // Every caller parked: one in the read held at the gate, the others waiting for that one read.
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10)).until(() -> callers.stream()
                .allMatch(t -> t.getState() == Thread.State.WAITING || t.getState() == Thread.State.TIMED_WAITING));
        assertEquals(1, vault.reads.get());
        vault.gate.countDown();
        for (CompletableFuture<String> call : calls) {
            assertEquals("CRT", call.get(10, TimeUnit.SECONDS));
        }
        assertEquals(1, vault.reads.get());
    }

    @Test
    void listeners_hearChangedFieldsOnly_andRemoval() {
        vault.secrets.put("ssl", Map.of("test.com.crt", "C1", "test.com.key", "K1"));
        resolver();
        List<SecretReference> heard = new CopyOnWriteArrayList<>();
        resolver.addListener(heard::add);
        resolver.resolve(CRT);
        resolver.resolve(KEY);
        clock.advance(Duration.ofSeconds(301));
        resolver.refreshDue().join();
        assertEquals(List.of(), heard, "same values: nothing to tell");
        vault.secrets.put("ssl", Map.of("test.com.crt", "C2", "test.com.key", "K1"));
        clock.advance(Duration.ofSeconds(301));
        resolver.refreshDue().join();
        assertEquals(List.of(CRT), heard);
        heard.clear();
        resolver.unregister("vault", "s1");
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10)).until(() -> heard.size() == 2);
        assertTrue(heard.containsAll(List.of(CRT, KEY)));
    }

    @Test
    void listeners_hearWhenTheReasonForNoValueChanges() {
        resolver();
        List<SecretReference> heard = new CopyOnWriteArrayList<>();
        resolver.addListener(heard::add);
        assertEquals(SecretException.Kind.NOT_FOUND, assertThrows(SecretException.class, () -> resolver.resolve(CRT)).kind());
        vault.failure = new SecretException(SecretException.Kind.UNREACHABLE, "Vault is unreachable");
        clock.advance(Duration.ofSeconds(61));
        resolver.refreshDue().join();
        assertEquals(List.of(CRT), heard, "still no value, for another reason");
        clock.advance(Duration.ofSeconds(61));
        resolver.refreshDue().join();
        assertEquals(List.of(CRT), heard, "the same reason: nothing to tell");
        assertEquals(SecretException.Kind.UNREACHABLE, assertThrows(SecretException.class, () -> resolver.resolve(CRT)).kind());
    }

    @Test
    void register_replacingManagerRefetchesItsSecrets() {
        vault.secrets.put("ssl", Map.of("test.com.crt", "FROM-OLD"));
        resolver();
        resolver.resolve(CRT);
        ScriptedManager other = new ScriptedManager();
        other.secrets.put("ssl", Map.of("test.com.crt", "FROM-NEW"));
        resolver.register("vault", "s1", other);
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10)).until(() -> resolver.resolve(CRT), "FROM-NEW"::equals);
    }

    @Test
    void cache_isBoundedByMaxEntries() {
        resolver(SecretCacheSettings.builder().maxEntries(10).build());
        for (int i = 0; i < 50; i++) {
            vault.secrets.put("p" + i, Map.of("f", "v" + i));
            clock.advance(Duration.ofMillis(1));
            assertEquals("v" + i, resolver.resolve(SecretReference.parse("$secret://vault/s1/p" + i + "/f")));
        }
        assertTrue(resolver.cachedSecrets() <= 10, () -> "cached " + resolver.cachedSecrets());
    }

    @Test
    void settings_rejectBadValuesNamingThem() {
        assertEquals("ttl (PT-1S) must be positive", assertThrows(IllegalArgumentException.class,
                () -> SecretCacheSettings.builder().ttl(Duration.ofSeconds(-1))).getMessage());
        assertEquals("maxEntries (0) must be at least 1", assertThrows(IllegalArgumentException.class,
                () -> SecretCacheSettings.builder().maxEntries(0)).getMessage());
    }

}
