package io.github.vaultsni.secret;

import io.github.vaultsni.testsupport.TestClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cache's lookup order on a clock the test moves: fresh, stale-while-revalidate, remembered failures,
 * stale-if-error up to {@code maxStale}, one fetch in flight per location, change listeners, the bound. Fetches
 * run only when the test runs them ({@link #runFetches()}), so what callers get while one is in flight is seen
 * without threads or waiting.
 */
class SecretCacheTest {
    private static final SecretLocation SSL = new SecretLocation("vault", "s1", "ssl");
    private static final SecretLocation OTHER = new SecretLocation("vault", "s1", "other");
    private static final SecretObserver NO_OBSERVER = new SecretObserver() {
    };

    private final TestClock clock = new TestClock();
    /** What the secret manager holds, by path; a path it lacks is NOT_FOUND. */
    private final Map<String, Map<String, String>> stored = new HashMap<>();
    private final List<Runnable> queuedFetches = new ArrayList<>();
    private final List<String> heard = new ArrayList<>();
    private RuntimeException failure;
    private int fetches;

    private Map<String, String> load(SecretLocation location) {
        fetches++;
        if (failure != null) {
            throw failure;
        }
        Map<String, String> fields = stored.get(location.path());
        if (fields == null) {
            throw new SecretException(SecretException.Kind.NOT_FOUND, "no secret at " + location.path());
        }
        return fields;
    }

    private SecretCache cache(SecretCacheSettings settings) {
        SecretCache cache = new SecretCache(this::load, settings, clock, queuedFetches::add, NO_OBSERVER);
        cache.addListener(reference -> heard.add(reference.toString()));
        return cache;
    }

    private SecretCache cache() {
        return cache(SecretCacheSettings.defaults());
    }

    private void runFetches() {
        while (!queuedFetches.isEmpty()) {
            queuedFetches.remove(0).run();
        }
    }

    /** The entry a caller gets for {@code field} of SSL, running the fetch it waits for, if any. */
    private SecretCache.Entry get(SecretCache cache, String field) {
        CompletableFuture<SecretCache.Entry> entry = cache.get(SSL, field);
        runFetches();
        return entry.join();
    }

    private static String value(SecretCache.Entry entry, String field) {
        return entry.hasValue() ? entry.fields().get(field) : "(no value: " + entry.error().kind() + ")";
    }

    @Test
    void aFreshValue_isAnsweredWithoutAFetch_forTheWholeTtl() {
        stored.put("ssl", Map.of("crt", "C1"));
        SecretCache cache = cache();
        assertEquals("C1", value(get(cache, "crt"), "crt"));
        clock.advance(Duration.ofSeconds(299));
        CompletableFuture<SecretCache.Entry> again = cache.get(SSL, "crt");
        assertTrue(again.isDone());
        assertEquals("C1", value(again.join(), "crt"));
        assertEquals(1, fetches);
        assertTrue(queuedFetches.isEmpty());
    }

    @Test
    void aStaleValue_isAnsweredAtOnce_whileOneBackgroundFetchRefreshesIt() {
        stored.put("ssl", Map.of("crt", "OLD"));
        SecretCache cache = cache();
        get(cache, "crt");
        stored.put("ssl", Map.of("crt", "NEW"));
        clock.advance(Duration.ofSeconds(300));
        assertEquals("OLD", value(cache.getNow(SSL, "crt"), "crt"));
        assertEquals("OLD", value(cache.getNow(SSL, "crt"), "crt"));
        assertEquals(1, queuedFetches.size(), "one refresh, however many callers");
        runFetches();
        assertEquals("NEW", value(cache.getNow(SSL, "crt"), "crt"));
        assertEquals(2, fetches);
    }

    @Test
    void oneFetchPerLocation_sharedByEveryCallerAndEveryField() {
        stored.put("ssl", Map.of("crt", "C", "key", "K"));
        SecretCache cache = cache();
        CompletableFuture<SecretCache.Entry> first = cache.get(SSL, "crt");
        CompletableFuture<SecretCache.Entry> second = cache.get(SSL, "crt");
        CompletableFuture<SecretCache.Entry> key = cache.get(SSL, "key");
        assertNull(cache.getNow(SSL, "crt"), "nothing to answer with yet");
        assertFalse(first.isDone());
        assertSame(first, second);
        assertSame(first, key);
        assertEquals(1, queuedFetches.size());
        runFetches();
        assertEquals("K", value(key.join(), "key"));
        assertEquals(1, fetches);
    }

    @Test
    void aFailure_isRememberedForTheNegativeTtl_thenFetchedAgain() {
        SecretCache cache = cache();
        assertEquals("(no value: NOT_FOUND)", value(get(cache, "crt"), "crt"));
        stored.put("ssl", Map.of("crt", "C1"));
        clock.advance(Duration.ofSeconds(59));
        assertEquals("(no value: NOT_FOUND)", value(cache.getNow(SSL, "crt"), "crt"), "answered at once");
        assertEquals(1, fetches);
        clock.advance(Duration.ofSeconds(1));
        assertNull(cache.getNow(SSL, "crt"), "the failure is forgotten: callers wait for a fetch");
        assertEquals("C1", value(get(cache, "crt"), "crt"));
        assertEquals(2, fetches);
    }

    @Test
    void anOutage_keepsTheLastGoodValue_andRetriesAfterTheNegativeTtl() {
        stored.put("ssl", Map.of("crt", "GOOD"));
        SecretCache cache = cache();
        get(cache, "crt");
        failure = new SecretException(SecretException.Kind.UNREACHABLE, "Vault is unreachable");
        clock.advance(Duration.ofSeconds(300));
        cache.refreshDue();
        runFetches();
        SecretCache.Entry kept = cache.getNow(SSL, "crt");
        assertEquals("GOOD", value(kept, "crt"));
        assertEquals(SecretException.Kind.UNREACHABLE, kept.error().kind(), "the reason is kept beside the value");
        clock.advance(Duration.ofSeconds(59));
        cache.getNow(SSL, "crt");
        assertTrue(queuedFetches.isEmpty(), "no retry before the negative TTL");
        failure = null;
        stored.put("ssl", Map.of("crt", "BACK"));
        clock.advance(Duration.ofSeconds(1));
        assertEquals("GOOD", value(cache.getNow(SSL, "crt"), "crt"));
        runFetches();
        assertEquals("BACK", value(cache.getNow(SSL, "crt"), "crt"));
        assertNull(cache.getNow(SSL, "crt").error());
    }

    @Test
    void everyTransientKind_keepsTheValue_andADefiniteAnswerDropsIt() {
        for (SecretException.Kind kind : SecretException.Kind.values()) {
            stored.put("ssl", Map.of("crt", "GOOD"));
            failure = null;
            SecretCache cache = cache();
            get(cache, "crt");
            failure = new SecretException(kind, "failed: " + kind);
            clock.advance(Duration.ofSeconds(300));
            cache.refreshDue();
            runFetches();
            String expected = kind.isTransient() ? "GOOD" : "(no value: " + kind + ")";
            assertEquals(expected, value(cache.getNow(SSL, "crt"), "crt"), kind.name());
        }
    }

    @Test
    void maxStale_endsAnOutagesLastGoodValue() {
        stored.put("ssl", Map.of("crt", "GOOD"));
        SecretCache cache = cache(SecretCacheSettings.builder().maxStale(Duration.ofSeconds(60)).build());
        get(cache, "crt");
        failure = new SecretException(SecretException.Kind.UNREACHABLE, "Vault is unreachable");
        clock.advance(Duration.ofSeconds(300));
        cache.refreshDue();
        runFetches(); // fails at the TTL; retried 60 s later, at the max-stale limit
        clock.advance(Duration.ofSeconds(59));
        assertEquals("GOOD", value(get(cache, "crt"), "crt"), "59 s past the TTL: served");
        clock.advance(Duration.ofSeconds(2));
        assertEquals("(no value: UNREACHABLE)", value(get(cache, "crt"), "crt"), "61 s past the TTL: dropped");
    }

    @Test
    void maxStale_holdsEvenWhenTheRetryAfterAFailedRefreshFallsPastIt() {
        stored.put("ssl", Map.of("crt", "GOOD"));
        SecretCache cache = cache(SecretCacheSettings.builder().maxStale(Duration.ofSeconds(60)).build());
        get(cache, "crt");
        failure = new SecretException(SecretException.Kind.UNREACHABLE, "Vault is unreachable");
        clock.advance(Duration.ofSeconds(350));
        cache.refreshDue();
        runFetches(); // fails 50 s past the TTL; the next retry is 60 s later, 110 s past the TTL
        clock.advance(Duration.ofSeconds(20));
        assertEquals("(no value: UNREACHABLE)", value(get(cache, "crt"), "crt"), "70 s past the TTL: dropped");
    }

    @Test
    void listeners_hearOfChangedFieldsTheyAskedFor_andOfAValueGone() {
        stored.put("ssl", Map.of("crt", "C1", "key", "K1", "unasked", "U1"));
        SecretCache cache = cache();
        get(cache, "crt");
        get(cache, "key");
        assertEquals(List.of(), heard, "a first fetch changes nothing anyone had");
        stored.put("ssl", Map.of("crt", "C2", "key", "K1", "unasked", "U2"));
        clock.advance(Duration.ofSeconds(300));
        cache.refreshDue();
        runFetches();
        assertEquals(List.of("$secret://vault/s1/ssl/crt"), heard);
        heard.clear();
        stored.remove("ssl");
        cache.invalidate(location -> true);
        runFetches();
        assertEquals(2, heard.size());
        assertTrue(heard.containsAll(List.of("$secret://vault/s1/ssl/crt", "$secret://vault/s1/ssl/key")), heard::toString);
    }

    @Test
    void listeners_hearWhenTheReasonForNoValueChanges_andAFailingListenerStopsNoOther() {
        SecretCache cache = new SecretCache(this::load, SecretCacheSettings.defaults(), clock, queuedFetches::add, NO_OBSERVER);
        cache.addListener(reference -> {
            throw new IllegalStateException("listener bug");
        });
        cache.addListener(reference -> heard.add(reference.toString()));
        get(cache, "crt");
        failure = new SecretException(SecretException.Kind.PERMISSION_DENIED, "permission denied");
        cache.invalidate(location -> true);
        runFetches();
        assertEquals(List.of("$secret://vault/s1/ssl/crt"), heard);
        cache.invalidate(location -> true);
        runFetches();
        assertEquals(1, heard.size(), "the same reason again: nothing to tell");
    }

    @Test
    void refreshDue_fetchesOnlyWhatIsPastItsTtl_andCompletesWhenThoseFetchesHave() {
        stored.put("ssl", Map.of("crt", "C"));
        stored.put("other", Map.of("f", "O"));
        SecretCache cache = cache();
        get(cache, "crt");
        clock.advance(Duration.ofSeconds(200));
        cache.get(OTHER, "f");
        runFetches();
        clock.advance(Duration.ofSeconds(100));
        CompletableFuture<Void> refresh = cache.refreshDue();
        assertEquals(1, queuedFetches.size(), "only ssl is 300 s old");
        assertFalse(refresh.isDone());
        runFetches();
        assertTrue(refresh.isDone());
        assertEquals(3, fetches);
    }

    @Test
    void maxEntries_dropsTheLeastRecentlyUsedLocation() {
        SecretCache cache = cache(SecretCacheSettings.builder().maxEntries(2).build());
        for (String path : List.of("a", "b", "c")) {
            stored.put(path, Map.of("f", path));
        }
        SecretLocation a = new SecretLocation("vault", "s1", "a");
        SecretLocation b = new SecretLocation("vault", "s1", "b");
        SecretLocation c = new SecretLocation("vault", "s1", "c");
        cache.get(a, "f");
        clock.advance(Duration.ofSeconds(2));
        cache.get(b, "f");
        clock.advance(Duration.ofSeconds(2));
        cache.get(a, "f");
        runFetches();
        cache.get(c, "f");
        runFetches();
        assertEquals(2, cache.size());
        assertEquals("a", value(cache.getNow(a, "f"), "f"), "a was used last");
        assertNull(cache.getNow(b, "f"), "b was dropped");
        assertEquals(3, fetches);
    }

    @Test
    void aFetchTheExecutorRefuses_orAnUnexpectedError_isAFailureThatQuotesNoData() {
        SecretCache closed = new SecretCache(this::load, SecretCacheSettings.defaults(), clock, task -> {
            throw new RejectedExecutionException();
        }, NO_OBSERVER);
        SecretCache.Entry refused = closed.get(SSL, "crt").join();
        assertEquals(SecretException.Kind.BAD_RESPONSE, refused.error().kind());
        assertEquals("secret resolver is closed", refused.error().getMessage());
        failure = new IllegalStateException("parse error near 's3cr3t-value'");
        SecretCache.Entry unexpected = get(cache(), "crt");
        assertEquals("unexpected IllegalStateException reading vault/s1/ssl", unexpected.error().getMessage());
    }
}
