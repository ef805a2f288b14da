package io.github.vaultsni.gateway.store;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * What every store shares: an in-memory mirror of the objects (reads never touch disk or network, so a node
 * keeps serving its configuration while its backend is away), the revision, a bounded history of changes, and
 * the watchers, told of each change in revision order. Subclasses make writes durable, then {@link #apply} them.
 */
abstract class MirroredConfigStore implements ConfigStore {
    private static final Logger LOG = LoggerFactory.getLogger(MirroredConfigStore.class);
    private static final int HISTORY = 10_000;

    private final ConcurrentSkipListMap<String, StoredObject> objects = new ConcurrentSkipListMap<>();
    private final Deque<ConfigChange> history = new ArrayDeque<>();
    private final List<Consumer<ConfigChange>> watchers = new CopyOnWriteArrayList<>();
    private long revision;
    /** Changes up to this revision were never seen one by one (a compacted snapshot, a re-sync): not history. */
    private long snapshotRevision;

    @Override
    public Optional<StoredObject> get(String key) {
        return Optional.ofNullable(objects.get(key));
    }

    @Override
    public List<StoredObject> list(String prefix) {
        List<StoredObject> out = new ArrayList<>();
        for (Map.Entry<String, StoredObject> e : objects.tailMap(prefix, true).entrySet()) {
            if (!e.getKey().startsWith(prefix)) {
                break;
            }
            out.add(e.getValue());
        }
        return out;
    }

    @Override
    public synchronized long revision() {
        return revision;
    }

    @Override
    public synchronized AutoCloseable watch(long fromRevision, Consumer<ConfigChange> listener) {
        long oldest = history.isEmpty() ? revision + 1 : history.peekFirst().revision();
        if (fromRevision + 1 < oldest && fromRevision < revision) {
            throw new CompactedException(fromRevision, oldest);
        }
        for (ConfigChange change : history) {
            if (change.revision() > fromRevision) {
                listener.accept(change);
            }
        }
        watchers.add(listener);
        return () -> watchers.remove(listener);
    }

    /** Applies a durable change to the mirror and the history, then tells the watchers. */
    protected synchronized void apply(ConfigChange change) {
        if (change.type() == ConfigChange.Type.PUT) {
            objects.put(change.key(), change.object());
        } else {
            objects.remove(change.key());
        }
        revision = Math.max(revision, change.revision());
        notifyAll();
        if (change.revision() <= snapshotRevision) {
            return;
        }
        history.addLast(change);
        if (history.size() > HISTORY) {
            history.removeFirst();
        }
        for (Consumer<ConfigChange> watcher : watchers) {
            try {
                watcher.accept(change);
            } catch (RuntimeException e) {
                LOG.warn("configuration watcher failed on {} {}: {}", change.type(), change.key(), e.toString());
            }
        }
    }

    /**
     * Waits until the mirror has applied {@code revision} (a backend whose changes arrive by watch), so that a
     * writer reads its own write; gives up after {@code millis}.
     */
    protected synchronized void awaitRevision(long revision, long millis) {
        long deadline = System.currentTimeMillis() + millis;
        while (this.revision < revision) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                return;
            }
            try {
                wait(left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** From here on, changes up to {@code revision} form a snapshot without history. */
    protected synchronized void snapshotAt(long revision) {
        this.revision = Math.max(this.revision, revision);
        this.snapshotRevision = revision;
    }

    /** The objects as they are now, for re-syncs and compaction. */
    protected Map<String, StoredObject> objects() {
        return objects;
    }

    protected synchronized int historySize() {
        return history.size();
    }
}
