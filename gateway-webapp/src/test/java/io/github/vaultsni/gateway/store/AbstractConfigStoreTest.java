package io.github.vaultsni.gateway.store;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@link ConfigStore} contract, for every implementation: revisions only grow, createdIndex survives a
 * replace, refused writes write nothing, watchers see changes in order, concurrent writers lose nothing, and a
 * reopened store holds what was acknowledged.
 */
public abstract class AbstractConfigStoreTest {
    private final List<ConfigStore> opened = new ArrayList<>();

    /** A store on the backend under test; the same backend each call within a test. */
    protected abstract ConfigStore newStore();

    protected ConfigStore open() {
        ConfigStore store = newStore();
        opened.add(store);
        return store;
    }

    @AfterEach
    void closeStores() {
        opened.forEach(ConfigStore::close);
    }

    @Test
    void contract_revisionsGrow_createdIndexSurvivesReplace_deleteAnswersWhatWasThere() {
        ConfigStore store = open();
        StoredObject first = store.update("/apisix/ssls/1", c -> "{\"v\":1}");
        StoredObject second = store.update("/apisix/ssls/1", c -> "{\"v\":2}");
        StoredObject other = store.update("/apisix/routes/1", c -> "{}");
        assertEquals(first.createdIndex(), second.createdIndex());
        assertTrue(second.modifiedIndex() > first.modifiedIndex());
        assertTrue(other.modifiedIndex() > second.modifiedIndex());
        assertEquals(Optional.of(second), store.get("/apisix/ssls/1"));
        assertEquals(List.of("/apisix/ssls/1"), store.list("/apisix/ssls/").stream().map(StoredObject::key).toList());
        assertEquals("{\"v\":2}", store.delete("/apisix/ssls/1").orElseThrow().json());
        assertEquals(Optional.empty(), store.delete("/apisix/ssls/1"));
        assertTrue(store.get("/apisix/ssls/1").isEmpty());
    }

    @Test
    void contract_createAssignsARevisionIdThatIsFree() {
        ConfigStore store = open();
        StoredObject a = store.create("/apisix/routes/", id -> "{\"id\":\"" + id + "\"}");
        StoredObject b = store.create("/apisix/routes/", id -> "{\"id\":\"" + id + "\"}");
        assertTrue(a.key().matches("/apisix/routes/\\d{20}"), a.key());
        assertTrue(!a.key().equals(b.key()));
        assertEquals(a.json(), store.get(a.key()).orElseThrow().json());
    }

    @Test
    void contract_refusedUpdateWritesNothing() {
        ConfigStore store = open();
        long before = store.revision();
        assertThrows(IllegalArgumentException.class, () -> store.update("/apisix/routes/x", c -> {
            throw new IllegalArgumentException("bad");
        }));
        assertEquals(before, store.revision());
        assertTrue(store.get("/apisix/routes/x").isEmpty());
    }

    @Test
    void contract_watchSeesChangesInOrder_fromItsRevision() throws Exception {
        ConfigStore store = open();
        store.update("/apisix/routes/a", c -> "1");
        long from = store.revision();
        List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (AutoCloseable watch = store.watch(from, c -> seen.add(c.type() + " " + c.key()))) {
            store.update("/apisix/routes/b", c -> "2");
            store.delete("/apisix/routes/a");
            store.update("/apisix/routes/c", c -> "3");
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10)).until(() -> seen.size() >= 3);
        }
        assertEquals(List.of("PUT /apisix/routes/b", "DELETE /apisix/routes/a", "PUT /apisix/routes/c"), seen);
    }

    @Test
    void contract_aConditionalWriteKeepsWhatIsThere_andSaysSo() {
        ConfigStore store = open();
        StoredObject first = store.update("/apisix/issued/a/@exact", c -> "1");
        long before = store.revision();
        ConfigStore.UpdateOutcome kept = store.updateIf("/apisix/issued/a/@exact",
                c -> c.isPresent() ? Optional.empty() : Optional.of("2"));
        assertEquals(new ConfigStore.Kept(Optional.of(first)), kept);
        assertEquals(before, store.revision());
        ConfigStore.UpdateOutcome written = store.updateIf("/apisix/issued/b/@exact",
                c -> c.isPresent() ? Optional.empty() : Optional.of("2"));
        assertEquals("2", ((ConfigStore.Written) written).object().json());
    }

    @Test
    void contract_watchersAreToldOffTheWritersThread_andASlowOneHoldsNoWriter() throws Exception {
        ConfigStore store = open();
        CountDownLatch release = new CountDownLatch(1);
        List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread writer = Thread.currentThread();
        try (AutoCloseable watch = store.watch(store.revision(), change -> {
            if (Thread.currentThread() == writer) {
                seen.add("told on the writer's thread");
            }
            // A watcher may write: it holds no lock of the store's.
            if (change.key().equals("/apisix/routes/second")) {
                store.update("/apisix/routes/from-watcher", c -> "w");
            }
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            seen.add(change.key());
        })) {
            StoredObject first = store.update("/apisix/routes/first", c -> "1");
            long started = System.nanoTime();
            StoredObject second = store.update("/apisix/routes/second", c -> "2");
            assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(3), "a write waited on a watcher");
            assertFalse(store.awaitDelivered(first.modifiedIndex(), Duration.ofMillis(100)));
            release.countDown();
            assertTrue(store.awaitDelivered(second.modifiedIndex(), Duration.ofSeconds(10)));
            await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() >= 3);
        }
        assertEquals(List.of("/apisix/routes/first", "/apisix/routes/second", "/apisix/routes/from-watcher"), seen);
    }

    @Test
    void contract_fiftyConcurrentWritersLoseNoUpdate() throws Exception {
        ConfigStore store = open();
        store.update("/apisix/routes/counter", c -> "0");
        ExecutorService pool = Executors.newFixedThreadPool(50);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> writers = new ArrayList<>();
        for (int w = 0; w < 50; w++) {
            writers.add(pool.submit(() -> {
                start.await();
                for (int i = 0; i < 4; i++) {
                    store.update("/apisix/routes/counter", c -> String.valueOf(Long.parseLong(c.orElseThrow().json()) + 1));
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> writer : writers) {
            writer.get(120, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertEquals("200", store.get("/apisix/routes/counter").orElseThrow().json());
    }

    @Test
    void contract_aReopenedStoreHoldsWhatWasAcknowledged() {
        ConfigStore store = open();
        store.update("/apisix/upstreams/u", c -> "{\"nodes\":{}}");
        store.close();
        opened.remove(store);
        ConfigStore again = open();
        assertEquals("{\"nodes\":{}}", again.get("/apisix/upstreams/u").orElseThrow().json());
    }
}
