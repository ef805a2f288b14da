package io.github.vaultsni.gateway.accesslog;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

@Timeout(30)
class AccessLogWriterTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final AccessLogWriter writer = AccessLogWriter.to(new PrintStream(bytes, true, StandardCharsets.UTF_8), "test");

    private List<String> written() {
        synchronized (bytes) {
            return bytes.toString(StandardCharsets.UTF_8).lines().toList();
        }
    }

    @Test
    void lines_areWrittenWhole_inTheOrderTheyCame_whileRunning() throws Exception {
        writer.start();
        writer.write("first");
        writer.write("second");
        await().until(() -> written().size() == 2);
        assertEquals(List.of("first", "second"), written());
        writer.stop();
    }

    @Test
    void stop_writesEveryLineQueuedBeforeIt_fromManyThreads() throws Exception {
        writer.start();
        ExecutorService threads = Executors.newFixedThreadPool(4);
        List<Future<?>> done = IntStream.range(0, 4).<Future<?>>mapToObj(t -> threads.submit(() -> {
            for (int i = 0; i < 5_000; i++) {
                writer.write("thread " + t + " line " + i);
            }
        })).toList();
        for (Future<?> f : done) {
            f.get();
        }
        threads.shutdown();
        writer.stop();
        List<String> lines = written();
        assertEquals(20_000, lines.size());
        for (int t = 0; t < 4; t++) {
            String prefix = "thread " + t + " line ";
            List<String> own = lines.stream().filter(l -> l.startsWith(prefix)).toList();
            assertEquals(IntStream.range(0, 5_000).mapToObj(i -> prefix + i).toList(), own, "each thread's lines in order");
        }
    }
}
