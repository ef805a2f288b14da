package io.github.vaultsni.gateway.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.function.Function;
import java.util.zip.CRC32;

/**
 * The embedded store: one directory on local disk holding an append-only log ({@code store.log}). Each write is
 * one record, {@code [length][crc32][json]}, appended and forced to disk before the call returns, so an
 * acknowledged write survives {@code kill -9} and a power cut; a record torn by a crash fails its checksum and
 * is cut off when the store opens, so a write is all or nothing. When the log holds many superseded records
 * it is rewritten with only the live objects into a new file that atomically replaces it. A file lock keeps a
 * second process out of the directory. Reads are served from memory.
 */
public final class FileConfigStore extends MirroredConfigStore {
    private static final Logger LOG = LoggerFactory.getLogger(FileConfigStore.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String LOG_FILE = "store.log";
    private static final int MAX_RECORD = 16 * 1024 * 1024;

    private final Path directory;
    private FileChannel lockChannel;
    private FileLock lock;
    private FileChannel log;
    private long records;

    /** The store in {@code directory} (created if missing), opened when it starts. */
    public FileConfigStore(Path directory) {
        this.directory = directory;
    }

    /** Opens (or creates) the store in {@code directory}: a started {@link FileConfigStore}. */
    public static FileConfigStore open(Path directory) {
        FileConfigStore store = new FileConfigStore(directory);
        try {
            store.start();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new UncheckedIOException("cannot open the configuration store in " + directory,
                    e instanceof IOException io ? io : new IOException(e));
        }
        return store;
    }

    /** Takes the directory's lock (refusing a directory another process holds), then replays the log. */
    @Override
    protected synchronized void doStart() throws Exception {
        super.doStart();
        try {
            SecretFiles.directory(directory);
            lockChannel = SecretFiles.open(directory.resolve("store.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            try {
                lock = lockChannel.tryLock();
            } catch (java.nio.channels.OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                throw new IllegalStateException("data directory " + directory + " is in use by another process");
            }
            replay();
        } catch (Exception | Error e) {
            doStop(); // a failed start releases what it took
            throw e;
        }
    }

    @Override
    public synchronized UpdateOutcome updateIf(String key, Function<Optional<StoredObject>, Optional<String>> change) {
        Optional<StoredObject> current = get(key);
        Optional<String> json = change.apply(current);
        if (json.isEmpty()) {
            return new Kept(current);
        }
        long next = revision() + 1;
        StoredObject stored = new StoredObject(key, json.get(), current.map(StoredObject::createdIndex).orElse(next), next);
        append(ConfigChange.Type.PUT, stored, next);
        return new Written(stored);
    }

    @Override
    public synchronized StoredObject create(String prefix, Function<String, String> valueForId) {
        String id = String.format("%020d", revision() + 1);
        return update(prefix + id, current -> valueForId.apply(id));
    }

    @Override
    public synchronized Optional<StoredObject> delete(String key) {
        Optional<StoredObject> current = get(key);
        if (current.isEmpty()) {
            return Optional.empty();
        }
        append(ConfigChange.Type.DELETE, current.get(), revision() + 1);
        return current;
    }

    @Override
    protected synchronized void doStop() throws Exception {
        try {
            if (log != null) {
                log.close();
                log = null;
            }
            if (lock != null) {
                lock.release();
                lock = null;
            }
            if (lockChannel != null) {
                lockChannel.close();
                lockChannel = null;
            }
        } catch (IOException e) {
            LOG.warn("closing the configuration store in {}: {}", directory, e.toString());
        }
        super.doStop();
    }

    /** Writes the record durably, then applies it in memory and tells the watchers. Caller holds the lock. */
    private void append(ConfigChange.Type type, StoredObject object, long newRevision) {
        ObjectNode record = JSON.createObjectNode()
                .put("rev", newRevision)
                .put("op", type == ConfigChange.Type.PUT ? "put" : "del")
                .put("key", object.key())
                .put("created", object.createdIndex());
        if (type == ConfigChange.Type.PUT) {
            record.put("value", object.json());
        }
        try {
            write(log, record);
            log.force(false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write to the configuration store in " + directory, e);
        }
        apply(new ConfigChange(newRevision, type, object));
        records++;
        if (records > Math.max(1_000, 2L * objects().size())) {
            compact();
        }
    }

    /** Reads the log, keeping every whole record and cutting off a torn tail. */
    private void replay() throws IOException {
        Path file = directory.resolve(LOG_FILE);
        log = SecretFiles.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        long size = log.size();
        long position = 0;
        ByteBuffer header = ByteBuffer.allocate(8);
        while (position + 8 <= size) {
            header.clear();
            log.read(header, position);
            header.flip();
            int length = header.getInt();
            long crc = header.getInt() & 0xFFFFFFFFL;
            if (length <= 0 || length > MAX_RECORD || position + 8 + length > size) {
                break;
            }
            ByteBuffer body = ByteBuffer.allocate(length);
            log.read(body, position + 8);
            CRC32 check = new CRC32();
            check.update(body.array());
            if (check.getValue() != crc) {
                break;
            }
            applyRecord(JSON.readTree(body.array()));
            records++;
            position += 8 + length;
        }
        if (position < size) {
            LOG.warn("configuration store {}: discarding {} bytes of an incomplete last write", file, size - position);
            log.truncate(position);
            log.force(true);
        }
        log.position(position);
        LOG.info("configuration store {}: {} objects, revision {}", directory, objects().size(), revision());
    }

    private void applyRecord(JsonNode record) {
        long rev = record.get("rev").asLong();
        String op = record.get("op").asText();
        if (op.equals("rev")) {
            snapshotAt(rev);
            return;
        }
        String key = record.get("key").asText();
        if (op.equals("put")) {
            apply(new ConfigChange(rev, ConfigChange.Type.PUT,
                    new StoredObject(key, record.get("value").asText(), record.get("created").asLong(), rev)));
        } else {
            apply(new ConfigChange(rev, ConfigChange.Type.DELETE,
                    get(key).orElse(new StoredObject(key, "{}", record.get("created").asLong(), rev))));
        }
    }

    /** Rewrites the log with the live objects only: written aside, forced, then moved over the old one. */
    private void compact() {
        Path file = directory.resolve(LOG_FILE);
        Path fresh = directory.resolve(LOG_FILE + ".new");
        try (FileChannel out = SecretFiles.open(fresh, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            write(out, JSON.createObjectNode().put("rev", revision()).put("op", "rev"));
            for (StoredObject o : objects().values()) {
                write(out, JSON.createObjectNode().put("rev", o.modifiedIndex()).put("op", "put").put("key", o.key())
                        .put("created", o.createdIndex()).put("value", o.json()));
            }
            out.force(true);
        } catch (IOException e) {
            LOG.warn("configuration store {}: compaction failed, keeping the full log: {}", directory, e.toString());
            return;
        }
        try {
            try {
                Files.move(fresh, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(fresh, file, StandardCopyOption.REPLACE_EXISTING);
            }
            forceDirectory();
            log.close();
            log = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
            log.position(log.size());
            records = objects().size();
            LOG.debug("configuration store {}: compacted to {} objects at revision {}", directory, objects().size(), revision());
        } catch (IOException e) {
            throw new UncheckedIOException("configuration store " + directory + ": compaction could not replace the log", e);
        }
    }

    private void forceDirectory() {
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException e) {
            // Not every file system lets a directory be opened; the rename is still atomic.
        }
    }

    private static void write(FileChannel channel, JsonNode record) throws IOException {
        byte[] body = JSON.writeValueAsString(record).getBytes(StandardCharsets.UTF_8);
        CRC32 crc = new CRC32();
        crc.update(body);
        ByteBuffer buffer = ByteBuffer.allocate(8 + body.length);
        buffer.putInt(body.length).putInt((int) crc.getValue()).put(body).flip();
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }
}
