package io.github.vaultsni.gateway.store;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The store contract on a real etcd, and what etcd adds: other writers, outages, compaction. */
@Timeout(120)
class EtcdConfigStoreTest extends AbstractConfigStoreTest {
    /** How long a change written to etcd may take to reach the store's mirror: ample room on a loaded machine. */
    static final Duration ETCD_CHANGE = Duration.ofSeconds(20);
    @TempDir
    Path dir;
    private EtcdServer etcd;

    @BeforeEach
    void startEtcd() throws Exception {
        etcd = new EtcdServer(dir.resolve("etcd")).start();
    }

    @AfterEach
    void stopEtcd() throws Exception {
        if (etcd != null) {
            etcd.close();
        }
    }

    @Override
    protected ConfigStore newStore() {
        return EtcdConfigStore.open(EtcdConnection.of(etcd.endpoints(), ""));
    }

    @Test
    void changesWrittenWithEtcdctl_reachTheMirrorAndWatchers() throws Exception {
        ConfigStore store = open();
        List<String> seen = new CopyOnWriteArrayList<>();
        store.watch(store.revision(), c -> seen.add(c.type() + " " + c.key()));
        etcd.etcdctl("put", "/apisix/routes/r1", "{\"uri\":\"/x\"}");
        await().atMost(ETCD_CHANGE).until(() -> store.get("/apisix/routes/r1").isPresent());
        assertEquals("{\"uri\":\"/x\"}", store.get("/apisix/routes/r1").orElseThrow().json());
        etcd.etcdctl("del", "/apisix/routes/r1");
        await().atMost(ETCD_CHANGE).until(() -> seen.size() == 2);
        assertEquals(List.of("PUT /apisix/routes/r1", "DELETE /apisix/routes/r1"), seen);
    }

    @Test
    void etcdDown_readsKeepWorking_writesFailCleanly_andChangesAfterReturnArrive() throws Exception {
        ConfigStore store = open();
        store.update("/apisix/ssls/1", c -> "{\"v\":1}");
        etcd.stop();
        assertEquals("{\"v\":1}", store.get("/apisix/ssls/1").orElseThrow().json(), "the mirror keeps serving");
        assertThrows(ConfigStore.UnavailableException.class, () -> store.update("/apisix/ssls/2", c -> "{}"));
        etcd.start();
        etcd.etcdctl("put", "/apisix/ssls/3", "{\"v\":3}");
        await().atMost(ETCD_CHANGE).until(() -> store.get("/apisix/ssls/3").isPresent());
        assertTrue(store.get("/apisix/ssls/2").isEmpty(), "the refused write was not made");
    }

    @Test
    void twoNodesWritingOneObject_loseNoUpdate() throws Exception {
        List<ConfigStore> stores = List.of(open(), open());
        stores.get(0).update("/apisix/routes/counter", c -> "0");
        ExecutorService pool = Executors.newFixedThreadPool(20);
        List<Future<?>> writers = new ArrayList<>();
        for (int w = 0; w < 20; w++) {
            ConfigStore store = stores.get(w % 2);
            writers.add(pool.submit(() -> {
                for (int i = 0; i < 5; i++) {
                    store.update("/apisix/routes/counter", c -> String.valueOf(Long.parseLong(c.orElseThrow().json()) + 1));
                }
                return null;
            }));
        }
        for (Future<?> writer : writers) {
            writer.get(120, TimeUnit.SECONDS);
        }
        pool.shutdown();
        for (ConfigStore store : stores) {
            await().atMost(ETCD_CHANGE).until(() -> store.get("/apisix/routes/counter").orElseThrow().json().equals("100"));
        }
    }

    @Test
    void compactionUnderALiveWatch_losesNoChange() throws Exception {
        ConfigStore store = open();
        List<String> seen = new CopyOnWriteArrayList<>();
        store.watch(store.revision(), c -> seen.add(c.type() + " " + c.key()));
        store.update("/apisix/routes/before", c -> "1");
        etcd.etcdctl("compaction", String.valueOf(store.revision()));
        etcd.etcdctl("put", "/apisix/routes/after", "2");
        await().atMost(ETCD_CHANGE).until(() -> store.get("/apisix/routes/after").isPresent());
        assertEquals(List.of("PUT /apisix/routes/before", "PUT /apisix/routes/after"), seen);
    }

    @Test
    void compactionDuringAnOutage_isCaughtUpByReListing() throws Exception {
        ConfigStore store = open();
        store.update("/apisix/routes/keep", c -> "1");
        store.update("/apisix/routes/gone", c -> "1");
        List<String> seen = new CopyOnWriteArrayList<>();
        store.watch(store.revision(), c -> seen.add(c.type() + " " + c.key()));
        // Another writer changes things and compacts history while this node's watch is cut off.
        etcd.stop();
        etcd.start();
        etcd.etcdctl("del", "/apisix/routes/gone");
        etcd.etcdctl("put", "/apisix/routes/new", "2");
        String status = etcd.etcdctl("endpoint", "status", "--write-out=json");
        long revision = Long.parseLong(status.replaceAll("(?s).*\"revision\":(\\d+).*", "$1"));
        etcd.etcdctl("compaction", String.valueOf(revision));
        await().atMost(ETCD_CHANGE)
                .until(() -> store.get("/apisix/routes/new").isPresent() && store.get("/apisix/routes/gone").isEmpty());
        assertTrue(seen.contains("DELETE /apisix/routes/gone"), seen.toString());
        assertTrue(seen.contains("PUT /apisix/routes/new"), seen.toString());
        assertEquals("1", store.get("/apisix/routes/keep").orElseThrow().json());
    }
}
