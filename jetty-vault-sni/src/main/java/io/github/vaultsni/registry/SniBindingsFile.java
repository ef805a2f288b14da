package io.github.vaultsni.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A bindings file: a JSON array of SSL objects, APISIX's shape ({@code {"id", "snis" or "sni", "cert", "key",
 * "certs", "keys", "ssl_protocols", "client", "status"}}, read by {@link SslObject}; the id defaults to the first
 * SNI), bound as one source of {@link SniBindings} named by the file's path. {@link #reload()} applies it: new and
 * changed entries are put, entries gone from the file are removed; a missing file binds nothing. A file that does
 * not parse, or that lists an id another source binds, changes nothing and is reported in one line.
 *
 * <p>Used by the {@code vault-sni} Jetty module ({@code etc/vault-sni.json}) and the Spring Boot starter
 * ({@code vault-sni.bindings-file}).
 */
public final class SniBindingsFile implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SniBindingsFile.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final SniBindings bindings;
    private final Scheduler scheduler;
    private String lastContent;
    private String lastRefused;
    private Scheduler.Task scan;
    private long scanMillis;

    /** @param scheduler runs the scans of {@link #watch} (a runtime's) */
    public SniBindingsFile(Path file, SniBindings bindings, Scheduler scheduler) {
        this.file = Objects.requireNonNull(file, "file");
        this.bindings = Objects.requireNonNull(bindings, "bindings");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    }

    public Path file() {
        return file;
    }

    /**
     * Applies the file if its content changed since the last call. The future completes once the entries it put
     * are built (or failed); it is already complete when nothing changed or the file was not applied.
     */
    public synchronized CompletableFuture<Void> reload() {
        String content;
        try {
            content = Files.readString(file);
        } catch (NoSuchFileException e) {
            content = "[]";
        } catch (IOException e) {
            LOG.warn("cannot read the bindings file {}: {}", file, e.toString());
            return CompletableFuture.completedFuture(null);
        }
        if (content.equals(lastContent)) {
            return CompletableFuture.completedFuture(null);
        }
        List<SniEntrySpec> wanted;
        try {
            wanted = parse(content);
        } catch (IOException | IllegalArgumentException e) {
            lastContent = content; // said once; read again when the file changes
            LOG.warn("bindings file {} not applied, the previous bindings stay: {}", file, e.getMessage());
            return CompletableFuture.completedFuture(null);
        }
        try {
            CompletableFuture<Void> built = bindings.apply(file.toString(), wanted);
            lastContent = content;
            LOG.info("bindings file {} applied: {} entries", file, wanted.size());
            return built;
        } catch (IllegalArgumentException refused) {
            // Refused as things stand (an id another source binds): tried again at every scan, said once.
            if (!content.equals(lastRefused)) {
                lastRefused = content;
                LOG.warn("bindings file {} not applied, the previous bindings stay: {}", file, refused.getMessage());
            }
            return CompletableFuture.completedFuture(null);
        }
    }

    /**
     * Applies the file now, then again within {@code interval} of each change, on the scheduler, until
     * {@link #close()}. Returns the first application ({@link #reload()}).
     */
    public synchronized CompletableFuture<Void> watch(Duration interval) {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("interval (" + interval + ") must be positive");
        }
        if (scanMillis > 0) {
            throw new IllegalStateException("already watching " + file);
        }
        CompletableFuture<Void> first = reload();
        scanMillis = interval.toMillis();
        scan = scheduler.schedule(this::scan, scanMillis, TimeUnit.MILLISECONDS);
        return first;
    }

    private synchronized void scan() {
        if (scanMillis == 0) {
            return;
        }
        try {
            reload();
        } catch (RuntimeException e) {
            LOG.warn("scanning the bindings file {} failed: {}", file, e.toString());
        }
        scan = scheduler.schedule(this::scan, scanMillis, TimeUnit.MILLISECONDS);
    }

    /** Stops watching; what the file bound stays bound. */
    @Override
    public synchronized void close() {
        scanMillis = 0;
        if (scan != null) {
            scan.cancel();
            scan = null;
        }
    }

    private static List<SniEntrySpec> parse(String content) throws IOException {
        JsonNode root = JSON.readTree(content.isBlank() ? "[]" : content);
        if (!root.isArray()) {
            throw new IllegalArgumentException("the file must hold a JSON array of SSL objects");
        }
        List<SniEntrySpec> specs = new ArrayList<>();
        int index = 0;
        for (JsonNode ssl : root) {
            index++;
            String id = ssl.hasNonNull("id") ? ssl.get("id").asText()
                    : ssl.hasNonNull("sni") ? ssl.get("sni").asText() : ssl.path("snis").path(0).asText("entry-" + index);
            specs.add(SslObject.parseAndCheck(id, ssl));
        }
        return specs;
    }
}
