package io.github.vaultsni.gateway.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class FileConfigStoreTest extends AbstractConfigStoreTest {
    @TempDir
    Path dir;

    @Override
    protected ConfigStore newStore() {
        return FileConfigStore.open(dir);
    }

    private static String put(ConfigStore store, String key, String json) {
        return store.update(key, current -> json).json();
    }

    @Test
    void writesGetIncreasingRevisions_createdIndexIsKept() {
        try (FileConfigStore store = FileConfigStore.open(dir)) {
            StoredObject first = store.update("/apisix/ssls/1", c -> "{\"v\":1}");
            StoredObject second = store.update("/apisix/ssls/1", c -> "{\"v\":2}");
            StoredObject other = store.update("/apisix/routes/1", c -> "{}");
            assertEquals(1, first.createdIndex());
            assertEquals(1, second.createdIndex());
            assertEquals(2, second.modifiedIndex());
            assertEquals(3, other.modifiedIndex());
            assertEquals(List.of("/apisix/ssls/1"), store.list("/apisix/ssls/").stream().map(StoredObject::key).toList());
            assertEquals(Optional.of(second), store.delete("/apisix/ssls/1"));
            assertEquals(Optional.empty(), store.delete("/apisix/ssls/1"));
            assertEquals(4, store.revision());
        }
    }

    @Test
    void reopen_restoresObjectsAndRevision() {
        try (FileConfigStore store = FileConfigStore.open(dir)) {
            put(store, "/a", "{\"x\":1}");
            put(store, "/b", "{\"x\":2}");
            store.delete("/a");
        }
        try (FileConfigStore store = FileConfigStore.open(dir)) {
            assertTrue(store.get("/a").isEmpty());
            assertEquals("{\"x\":2}", store.get("/b").orElseThrow().json());
            assertEquals(3, store.revision());
            assertEquals(4, store.update("/c", c -> "{}").modifiedIndex());
        }
    }

    @Test
    void tornLastWrite_isDiscarded_andTheRestKept() throws Exception {
        try (FileConfigStore store = FileConfigStore.open(dir)) {
            put(store, "/a", "{\"x\":1}");
            put(store, "/b", "{\"x\":2}");
        }
        Path log = dir.resolve("store.log");
        byte[] whole = Files.readAllBytes(log);
        Files.write(log, java.util.Arrays.copyOf(whole, whole.length - 5));  // the last record, cut short
        try (FileConfigStore store = FileConfigStore.open(dir)) {
            assertEquals("{\"x\":1}", store.get("/a").orElseThrow().json());
            assertTrue(store.get("/b").isEmpty());
            assertEquals(1, store.revision());
            put(store, "/c", "{}");
        }
        Files.write(log, new byte[]{0, 0, 0, 9, 1, 2, 3, 4, 'g', 'a'}, StandardOpenOption.APPEND);  // a bad checksum
        try (FileConfigStore store = FileConfigStore.open(dir)) {
            assertEquals(List.of("/a", "/c"), store.list("/").stream().map(StoredObject::key).toList());
        }
    }

    @Test
    void compaction_keepsStateAndRevision_andShrinksTheLog() throws Exception {
        try (FileConfigStore store = FileConfigStore.open(dir)) {
            for (int i = 0; i < 3_000; i++) {
                put(store, "/k" + (i % 10), "{\"i\":" + i + "}");
            }
            store.delete("/k0");
        }
        assertTrue(Files.size(dir.resolve("store.log")) < 60_000, "log size " + Files.size(dir.resolve("store.log")));
        try (FileConfigStore store = FileConfigStore.open(dir)) {
            assertEquals(3_001, store.revision());
            assertEquals(9, store.list("/k").size());
            assertEquals("{\"i\":2999}", store.get("/k9").orElseThrow().json());
            assertEquals(3_002, store.update("/new", c -> "{}").modifiedIndex());
        }
    }

    @Test
    void watch_deliversHistoryThenNewChanges_inOrder() throws Exception {
        try (FileConfigStore store = FileConfigStore.open(dir)) {
            put(store, "/a", "1");
            put(store, "/b", "2");
            List<String> seen = new CopyOnWriteArrayList<>();
            try (AutoCloseable watch = store.watch(1, c -> seen.add(c.revision() + " " + c.type() + " " + c.key()))) {
                store.delete("/a");
                put(store, "/c", "3");
                assertTrue(store.awaitDelivered(store.revision(), Duration.ofSeconds(5)));
            }
            put(store, "/d", "4");
            assertTrue(store.awaitDelivered(store.revision(), Duration.ofSeconds(5)));
            assertEquals(List.of("2 PUT /b", "3 DELETE /a", "4 PUT /c"), seen);
        }
    }

    @Test
    void watch_fromBeforeACompactedSnapshot_isCompacted() {
        try (FileConfigStore store = FileConfigStore.open(dir)) {
            for (int i = 0; i < 1_100; i++) {
                put(store, "/k", "{}");
            }
        }
        try (FileConfigStore store = FileConfigStore.open(dir)) {
            assertThrows(ConfigStore.CompactedException.class, () -> store.watch(5, c -> { }));
        }
    }

    @Test
    void secondOpenOfTheSameDirectory_isRefused() {
        try (FileConfigStore store = FileConfigStore.open(dir)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> FileConfigStore.open(dir));
            assertEquals("data directory " + dir + " is in use by another process", e.getMessage());
        }
    }

    @Test
    void acknowledgedWrites_surviveKillMinus9() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                StoreWriterProcess.class.getName(), dir.toString()).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        int acknowledged = -1;
        String line;
        while ((line = out.readLine()) != null) {
            if (line.startsWith("ACK ")) {
                acknowledged = Integer.parseInt(line.substring(4));
                if (acknowledged >= 200) {
                    break;
                }
            }
        }
        child.destroyForcibly();  // SIGKILL, mid-write
        assertTrue(child.waitFor(10, TimeUnit.SECONDS));
        assertTrue(acknowledged >= 200, "child acknowledged " + acknowledged);
        try (FileConfigStore store = FileConfigStore.open(dir)) {
            for (int i = 0; i <= acknowledged; i++) {
                assertEquals("{\"i\":" + i + "}", store.get("/apisix/routes/" + i).orElseThrow().json(), "write " + i);
            }
        }
    }
}
