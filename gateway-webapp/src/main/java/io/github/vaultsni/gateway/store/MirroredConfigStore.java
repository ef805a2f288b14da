package io.github.vaultsni.gateway.store;

import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * What every store shares: an in-memory mirror of the objects (reads never touch disk or network, so a node
 * keeps serving its configuration while its backend is away), the revision, a bounded history of changes, and
 * the watchers. Subclasses make writes durable, then {@link #apply} them under the store's lock; the change is
 * then handed to the store's one dispatcher thread, which tells the watchers in revision order, outside the lock:
 * a watcher that takes its time delays later events, never a writer, and never holds the store while it runs.
 */
abstract class MirroredConfigStore extends AbstractLifeCycle implements ConfigStore {
    private static final Logger LOG = LoggerFactory.getLogger(MirroredConfigStore.class);
    private static final int HISTORY = 10_000;

    private final ConcurrentSkipListMap<String, StoredObject> objects = new ConcurrentSkipListMap<>();
    private final Deque<ConfigChange> history = new ArrayDeque<>();
    /** Who is told of changes. Only the dispatcher thread reads or changes it. */
    private final List<Consumer<ConfigChange>> watchers = new ArrayList<>();
    /** Tells the watchers; made when the store starts. */
    private volatile ExecutorService dispatcher;
    /** The revision of the last change the watchers were told of. Guarded by {@code delivery}. */
    private long delivered;
    private final Object delivery = new Object();
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

    /**
     * The history after {@code fromRevision} is taken now, under the lock, and replayed by the dispatcher before the
     * listener joins the watchers: changes applied after this call are dispatched after that, so the listener sees
     * each change once, in order.
     */
    @Override
    public synchronized Watch watch(long fromRevision, Consumer<ConfigChange> listener) {
        long oldest = history.isEmpty() ? revision + 1 : history.peekFirst().revision();
        if (fromRevision + 1 < oldest && fromRevision < revision) {
            throw new CompactedException(fromRevision, oldest);
        }
        List<ConfigChange> missed = history.stream().filter(change -> change.revision() > fromRevision).toList();
        dispatch(() -> {
            missed.forEach(change -> tell(listener, change));
            watchers.add(listener);
        });
        return () -> dispatch(() -> watchers.remove(listener));
    }

    @Override
    public boolean awaitDelivered(long revision, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (delivery) {
            while (delivered < revision) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(delivery, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return true;
        }
    }

    /** Applies a durable change to the mirror and the history, and hands it to the dispatcher for the watchers. */
    protected synchronized void apply(ConfigChange change) {
        if (change.type() == ConfigChange.Type.PUT) {
            objects.put(change.key(), change.object());
        } else {
            objects.remove(change.key());
        }
        revision = Math.max(revision, change.revision());
        notifyAll();
        if (change.revision() <= snapshotRevision) {
            markDelivered(change.revision()); // part of a snapshot: listed by whoever starts watching, not told
            return;
        }
        history.addLast(change);
        if (history.size() > HISTORY) {
            history.removeFirst();
        }
        dispatch(() -> {
            for (Consumer<ConfigChange> watcher : List.copyOf(watchers)) {
                tell(watcher, change);
            }
            markDelivered(change.revision());
        });
    }

    private void dispatch(Runnable task) {
        ExecutorService events = dispatcher;
        try {
            if (events == null) {
                throw new RejectedExecutionException("not started");
            }
            events.execute(task);
        } catch (RejectedExecutionException closed) {
            LOG.debug("configuration store not running: a change is not delivered");
        }
    }

    /** Starts the dispatcher; subclasses open their backend after it (their replay's changes are a snapshot). */
    @Override
    protected void doStart() throws Exception {
        synchronized (this) {
            objects.clear();
            history.clear();
            revision = 0;
            snapshotRevision = 0;
        }
        synchronized (delivery) {
            delivered = 0;
        }
        dispatcher = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "config-events");
            t.setDaemon(true);
            return t;
        });
        super.doStart();
    }

    /** Stops the store ({@link #stop()}), for try-with-resources. */
    @Override
    public void close() {
        try {
            stop();
        } catch (Exception e) {
            LOG.warn("stopping the configuration store: {}", e.toString());
        }
    }

    private static void tell(Consumer<ConfigChange> watcher, ConfigChange change) {
        try {
            watcher.accept(change);
        } catch (RuntimeException e) {
            LOG.warn("configuration watcher failed on {} {}: {}", change.type(), change.key(), e.toString());
        }
    }

    private void markDelivered(long revision) {
        synchronized (delivery) {
            if (revision > delivered) {
                delivered = revision;
                delivery.notifyAll();
            }
        }
    }

    /** Stops delivering changes; those already handed to the dispatcher are dropped. */
    @Override
    protected void doStop() throws Exception {
        ExecutorService events = dispatcher;
        if (events != null) {
            events.shutdownNow();
        }
        super.doStop();
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
