package io.github.vaultsni.gateway.store;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.kv.DeleteResponse;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Cluster mode: the configuration in etcd, keys laid out as APISIX's ({@code /apisix/ssls/1}, behind an optional
 * key prefix), {@code createdIndex}/{@code modifiedIndex} from etcd's create and mod revisions, POST ids from the
 * revision. Every node keeps a mirror fed by one watch: reads never wait for etcd, and a node that loses etcd
 * keeps serving its last configuration. jetcd resumes the watch after a disconnection; when etcd compacted the
 * revisions the node missed, the node lists everything again and tells its watchers what changed meanwhile.
 * Writes are compare-and-set transactions (concurrent writers on any node never lose an update) and return once
 * the node's own mirror holds them.
 */
public final class EtcdConfigStore extends MirroredConfigStore {
    private static final Logger LOG = LoggerFactory.getLogger(EtcdConfigStore.class);
    private static final long TIMEOUT_MS = 5_000;
    private static final long REACHABLE_TIMEOUT_MS = 1_000;
    private static final String OBJECTS = StoredKind.ROOT;
    /**
     * Within one revision (one transaction), objects apply in dependency order: secret objects, then SSL objects,
     * then upstreams, then routes; so an SSL object is never built before the secret object it reads.
     */
    private static final List<String> APPLY_ORDER = Arrays.stream(StoredKind.values()).map(StoredKind::prefix).toList();

    private final EtcdConnection connection;
    private final String keyPrefix;
    private final String endpoints;
    private Client client;
    private KV kv;
    private ScheduledExecutorService resyncs;
    private volatile io.etcd.jetcd.Watch.Watcher watcher;
    private volatile boolean closed;

    /** The store on etcd at {@code connection}, connected when it starts. */
    public EtcdConfigStore(EtcdConnection connection) {
        this.connection = connection;
        this.endpoints = String.join(",", connection.endpoints());
        this.keyPrefix = connection.keyPrefix();
    }

    /**
     * Connects, lists the configuration and starts watching it: a started {@link EtcdConfigStore}.
     *
     * @throws ConfigStore.UnavailableException when etcd cannot be reached at start, refuses the user, or its
     *         certificate is not trusted
     */
    public static EtcdConfigStore open(EtcdConnection connection) {
        EtcdConfigStore store = new EtcdConfigStore(connection);
        try {
            store.start();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new UnavailableException("etcd at " + store.endpoints + ": " + e);
        }
        return store;
    }

    /** Connects, lists the configuration and starts watching it; a failed start closes what it opened. */
    @Override
    protected void doStart() throws Exception {
        super.doStart();
        try {
            closed = false;
            resyncs = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "etcd-resync");
                t.setDaemon(true);
                return t;
            });
            client = client(connection);
            kv = client.getKVClient();
            sync(true);
        } catch (Exception | Error e) {
            doStop();
            throw e;
        }
    }

    private static Client client(EtcdConnection connection) {
        ClientBuilder builder = Client.builder().endpoints(connection.endpoints().toArray(String[]::new));
        if (connection.user() != null) {
            builder.user(text(connection.user())).password(text(connection.password()));
        }
        if (connection.tls()) {
            try {
                builder.sslContext(tls -> {
                    if (connection.trustedCa() != null) {
                        tls.trustManager(connection.trustedCa().toFile());
                    }
                    if (connection.clientCertificate() != null) {
                        tls.keyManager(connection.clientCertificate().toFile(), connection.clientKey().toFile());
                    }
                });
            } catch (SSLException | IllegalArgumentException e) {
                throw new IllegalArgumentException("etcd: cannot use the TLS files of " + connection + ": "
                        + e.getMessage(), e);
            }
        }
        return builder.build();
    }

    @Override
    public UpdateOutcome updateIf(String key, Function<Optional<StoredObject>, Optional<String>> change) {
        for (int attempt = 0; ; attempt++) {
            GetResponse read = await(kv.get(bytes(key)));
            Optional<StoredObject> current = read.getKvs().stream().findFirst().map(this::stored);
            Optional<String> wanted = change.apply(current);
            if (wanted.isEmpty()) {
                return new Kept(current);
            }
            String json = wanted.get();
            Cmp unchanged = current.isPresent()
                    ? new Cmp(bytes(key), Cmp.Op.EQUAL, CmpTarget.modRevision(current.get().modifiedIndex()))
                    : new Cmp(bytes(key), Cmp.Op.EQUAL, CmpTarget.version(0));
            TxnResponse txn = await(kv.txn().If(unchanged).Then(Op.put(bytes(key), text(json), PutOption.DEFAULT)).commit());
            if (txn.isSucceeded()) {
                long revision = txn.getHeader().getRevision();
                awaitRevision(revision, TIMEOUT_MS);
                return new Written(new StoredObject(key, json, current.map(StoredObject::createdIndex).orElse(revision),
                        revision));
            }
            if (attempt > 100) {
                throw new UnavailableException("etcd: " + key + " kept changing under a write; giving up");
            }
        }
    }

    @Override
    public StoredObject create(String prefix, Function<String, String> valueForId) {
        for (int attempt = 0; ; attempt++) {
            long revision = await(kv.get(bytes(prefix), GetOption.builder().withCountOnly(true).build()))
                    .getHeader().getRevision();
            String id = String.format("%020d", revision + 1);
            String key = prefix + id;
            String json = valueForId.apply(id);
            TxnResponse txn = await(kv.txn().If(new Cmp(bytes(key), Cmp.Op.EQUAL, CmpTarget.version(0)))
                    .Then(Op.put(bytes(key), text(json), PutOption.DEFAULT)).commit());
            if (txn.isSucceeded()) {
                long written = txn.getHeader().getRevision();
                awaitRevision(written, TIMEOUT_MS);
                return new StoredObject(key, json, written, written);
            }
            if (attempt > 100) {
                throw new UnavailableException("etcd: no free id under " + prefix);
            }
        }
    }

    @Override
    public Optional<StoredObject> delete(String key) {
        DeleteResponse deleted = await(kv.delete(bytes(key), DeleteOption.builder().withPrevKV(true).build()));
        if (deleted.getDeleted() == 0) {
            return Optional.empty();
        }
        awaitRevision(deleted.getHeader().getRevision(), TIMEOUT_MS);
        return deleted.getPrevKvs().stream().findFirst().map(this::stored);
    }

    /**
     * Lists every object and makes the mirror equal to it, telling watchers what changed (a re-sync after
     * compaction); then watches from the listed revision on.
     */
    private synchronized void sync(boolean initial) {
        GetResponse all = await(kv.get(bytes(OBJECTS), GetOption.builder().isPrefix(true).build()));
        long revision = all.getHeader().getRevision();
        Map<String, StoredObject> fresh = new HashMap<>();
        all.getKvs().forEach(entry -> {
            StoredObject o = stored(entry);
            fresh.put(o.key(), o);
        });
        if (initial) {
            snapshotAt(revision);
        }
        for (StoredObject gone : objects().values().stream().filter(o -> !fresh.containsKey(o.key())).toList()) {
            apply(new ConfigChange(revision, ConfigChange.Type.DELETE, gone));
        }
        for (StoredObject o : fresh.values()) {
            if (!o.equals(objects().get(o.key()))) {
                apply(new ConfigChange(initial ? o.modifiedIndex() : revision, ConfigChange.Type.PUT, o));
            }
        }
        snapshotAt(Math.max(revision, revision()));
        if (watcher != null) {
            watcher.close();
        }
        watcher = client.getWatchClient().watch(bytes(OBJECTS), WatchOption.builder().isPrefix(true).withPrevKV(true)
                .withRevision(revision + 1).build(), io.etcd.jetcd.Watch.listener(this::onEvents, this::onWatchError));
        LOG.info("configuration from etcd {}: {} objects at revision {}", endpoints, fresh.size(), revision);
    }

    private int rank(KeyValue entry) {
        String key = key(entry.getKey());
        for (int i = 0; i < APPLY_ORDER.size(); i++) {
            if (key.startsWith(APPLY_ORDER.get(i))) {
                return i;
            }
        }
        return APPLY_ORDER.size();
    }

    private void onEvents(WatchResponse response) {
        List<WatchEvent> events = new ArrayList<>(response.getEvents());
        events.sort(Comparator.<WatchEvent>comparingLong(e -> e.getKeyValue().getModRevision())
                .thenComparingInt(e -> rank(e.getKeyValue())));
        for (WatchEvent event : events) {
            KeyValue current = event.getKeyValue();
            if (event.getEventType() == WatchEvent.EventType.PUT) {
                apply(new ConfigChange(current.getModRevision(), ConfigChange.Type.PUT, stored(current)));
            } else if (event.getEventType() == WatchEvent.EventType.DELETE) {
                String key = key(current.getKey());
                StoredObject before = event.getPrevKV() != null && event.getPrevKV().getVersion() > 0
                        ? stored(event.getPrevKV()) : get(key).orElse(new StoredObject(key, "{}", 0, 0));
                apply(new ConfigChange(current.getModRevision(), ConfigChange.Type.DELETE, before));
            }
        }
    }

    /** The watch ended: compacted history or a failure jetcd does not retry. Re-list and re-watch, until it works. */
    private void onWatchError(Throwable error) {
        if (closed) {
            return;
        }
        LOG.warn("etcd watch on {} ended ({}); re-listing the configuration", endpoints,
                error instanceof CompactedException ? "its revisions were compacted" : error.getClass().getSimpleName());
        scheduleResync(0);
    }

    private void scheduleResync(long delayMillis) {
        resyncs.schedule(() -> {
            if (closed) {
                return;
            }
            try {
                sync(false);
            } catch (RuntimeException e) {
                LOG.warn("etcd at {} still unavailable ({}); serving the last configuration", endpoints, e.getMessage());
                scheduleResync(Math.min(5_000, Math.max(500, delayMillis * 2)));
            }
        }, delayMillis, TimeUnit.MILLISECONDS);
    }

    /** One count-only read of the configuration's prefix, within a second. */
    @Override
    public boolean reachable() {
        KV current = kv;
        if (current == null || closed) {
            return false;
        }
        try {
            current.get(bytes(OBJECTS), GetOption.builder().isPrefix(true).withCountOnly(true).build())
                    .get(REACHABLE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            return true;
        } catch (ExecutionException | TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private StoredObject stored(KeyValue entry) {
        return new StoredObject(key(entry.getKey()), entry.getValue().toString(StandardCharsets.UTF_8),
                entry.getCreateRevision(), entry.getModRevision());
    }

    private String key(ByteSequence etcdKey) {
        return etcdKey.toString(StandardCharsets.UTF_8).substring(keyPrefix.length());
    }

    private ByteSequence bytes(String key) {
        return text(keyPrefix + key);
    }

    private static ByteSequence text(String value) {
        return ByteSequence.from(value, StandardCharsets.UTF_8);
    }

    private <T> T await(CompletableFuture<T> future) {
        try {
            return future.get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new UnavailableException("etcd at " + endpoints + " did not answer within " + TIMEOUT_MS + " ms");
        } catch (ExecutionException e) {
            throw new UnavailableException("etcd at " + endpoints + " failed: " + reason(e.getCause()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnavailableException("interrupted while waiting for etcd");
        }
    }

    /** The root cause's first line (etcd's own words, e.g. "authentication failed"), short enough for a log line. */
    private static String reason(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage().lines().findFirst().orElse("");
        return message.length() > 200 ? message.substring(0, 200) + "..." : message;
    }

    @Override
    protected void doStop() throws Exception {
        closed = true;
        if (resyncs != null) {
            resyncs.shutdownNow();
        }
        if (watcher != null) {
            watcher.close();
            watcher = null;
        }
        if (client != null) {
            client.close();
            client = null;
        }
        super.doStop();
    }
}
