package io.github.vaultsni.gateway.accesslog;

import org.eclipse.jetty.server.RequestLog;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Writes access-log lines without a request waiting on the output, as nginx buffers its access log: a request
 * adds its line to a bounded queue and goes on; one thread wakes every {@value #FLUSH_MILLIS} ms and writes what
 * has queued with one write and one flush. Waking that thread per line (Jetty's {@code AsyncRequestLogWriter}
 * does, and flushes each line) cost the proxy a fifth of its HTTP/1.1 throughput in context switches. A line that
 * finds the queue full (the output is stuck) is dropped, as Jetty's writer drops it; the drops are counted in a
 * warning at most once a minute. Stopping writes every line queued before it.
 */
final class AccessLogWriter extends AbstractLifeCycle implements RequestLog.Writer {
    static final long FLUSH_MILLIS = 100;
    private static final Logger LOG = LoggerFactory.getLogger(AccessLogWriter.class);
    private static final int CAPACITY = 65_536;
    private static final long WARN_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

    /** Opens the output when the writer starts. */
    @FunctionalInterface
    interface Output {
        OutputStream open() throws IOException;
    }

    private final Output output;
    private final boolean closeOutput;
    private final String name;
    /** Lock-free: requests on many threads add to it at once. */
    private final Queue<String> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final LongAdder dropped = new LongAdder();
    private volatile boolean open;
    private PrintStream out;
    private Thread thread;

    private AccessLogWriter(Output output, boolean closeOutput, String name) {
        this.output = output;
        this.closeOutput = closeOutput;
        this.name = name;
    }

    /** To {@code stream}, left open when the writer stops (standard output). */
    static AccessLogWriter to(PrintStream stream, String name) {
        return new AccessLogWriter(() -> stream, false, name);
    }

    /** Appended to {@code file}, opened when the writer starts and closed when it stops. */
    static AccessLogWriter appendingTo(Path file) {
        return new AccessLogWriter(() -> new FileOutputStream(file.toFile(), true), true, file.toString());
    }

    @Override
    public void write(String line) {
        if (queued.incrementAndGet() > CAPACITY) {
            queued.decrementAndGet();
            dropped.increment();
            return;
        }
        queue.add(line);
    }

    @Override
    protected void doStart() throws Exception {
        OutputStream opened = output.open();
        out = opened instanceof PrintStream stream ? stream : new PrintStream(opened, false, StandardCharsets.UTF_8);
        open = true;
        thread = new Thread(this::run, "access-log");
        thread.setDaemon(true);
        thread.start();
        super.doStart();
    }

    @Override
    protected void doStop() throws Exception {
        open = false;
        LockSupport.unpark(thread);
        thread.join(TimeUnit.SECONDS.toMillis(5));
        if (closeOutput) {
            out.close();
        }
        super.doStop();
    }

    private void run() {
        StringBuilder text = new StringBuilder(64 * 1024);
        long warnedAt = System.nanoTime() - WARN_EVERY_NANOS;
        boolean last;
        do {
            last = !open;
            if (!last) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(FLUSH_MILLIS));
            }
            int lines = 0;
            for (String line = queue.poll(); line != null; line = queue.poll()) {
                text.append(line).append('\n');
                lines++;
            }
            if (lines > 0) {
                queued.addAndGet(-lines);
                out.print(text);
                out.flush();
                text.setLength(0);
            }
            if (dropped.sum() > 0 && System.nanoTime() - warnedAt >= WARN_EVERY_NANOS) {
                warnedAt = System.nanoTime();
                LOG.warn("{} access log lines dropped: {} did not keep up", dropped.sumThenReset(), name);
            }
        } while (!last);
    }

    @Override
    public String toString() {
        return name;
    }
}
