package io.github.vaultsni.gateway.store;

import org.eclipse.jetty.util.component.LifeCycle;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Where the gateway's configuration lives: an ordered key-value store with revisions and watches, shaped so
 * that an etcd-backed store can replace the embedded one. A Jetty {@code LifeCycle}: made, it is closed; started,
 * it holds its files or connection and serves. The contract every implementation keeps:
 * <ul>
 *   <li>a write returns only once it is durable, and is all or nothing;</li>
 *   <li>every write gets the next revision; {@code modifiedIndex} only grows;</li>
 *   <li>{@link #update} is an atomic read-modify-write: concurrent writers never lose an update;</li>
 *   <li>watchers see every change after their start revision, in revision order, exactly once, on the store's
 *       one dispatcher thread, outside the store's lock: a watcher may take its time (later changes wait for it,
 *       writers do not).</li>
 * </ul>
 */
public interface ConfigStore extends LifeCycle, AutoCloseable {

    Optional<StoredObject> get(String key);

    /** Objects whose key starts with {@code prefix}, in key order. */
    List<StoredObject> list(String prefix);

    /** The revision of the latest write (0 for an empty store). */
    long revision();

    /**
     * Atomically replaces the object at {@code key} with what {@code change} makes of the current one (empty
     * when absent): a value to write, or empty to keep what is there. {@code change} may throw to refuse the
     * write (an invalid object, say); nothing is written then, and the exception reaches the caller.
     *
     * @return {@link Written} with the object as stored, or {@link Kept} with the object left in place
     */
    UpdateOutcome updateIf(String key, Function<Optional<StoredObject>, Optional<String>> change);

    /** As {@link #updateIf}, always writing what {@code change} makes; answers the object as stored. */
    default StoredObject update(String key, Function<Optional<StoredObject>, String> change) {
        return ((Written) updateIf(key, current -> Optional.of(change.apply(current)))).object();
    }

    /** Stores an object under {@code prefix} + a new id (the revision it gets, zero-padded to 20 digits). */
    StoredObject create(String prefix, Function<String, String> valueForId);

    /** Removes the object; empty when there was none. */
    Optional<StoredObject> delete(String key);

    /**
     * Delivers every change after {@code fromRevision}, then each new one, in order, on the store's dispatcher
     * thread (never the writer's, never under the store's lock). Close the returned handle to stop.
     *
     * @throws CompactedException when changes after {@code fromRevision} are no longer kept: re-list, then
     *                            watch from the store's revision
     */
    Watch watch(long fromRevision, Consumer<ConfigChange> listener);

    /**
     * Waits, at most {@code timeout}, until the watchers have been told of every change up to {@code revision}:
     * a writer that then reads what its write changed (a route table, a served certificate) on this node sees it.
     * Returns false when the time ran out.
     */
    boolean awaitDelivered(long revision, Duration timeout);

    /**
     * Whether the store's backend answers now (APISIX's {@code apisix_etcd_reachable}): the embedded store always;
     * etcd when it answers a read within a second. May do I/O: for scrapes, not for requests.
     */
    default boolean reachable() {
        return true;
    }

    /** Stops the store: releases its files, locks and connections, and stops telling watchers. */
    @Override
    void close();

    /** A watch: closing it stops the changes it was told of. */
    interface Watch extends AutoCloseable {
        @Override
        void close();
    }

    /** How a conditional write ended: see {@link #updateIf}. */
    sealed interface UpdateOutcome permits Written, Kept {
    }

    /** The value was written; {@code object} is it as stored, with its revisions. */
    record Written(StoredObject object) implements UpdateOutcome {
    }

    /** Nothing was written: {@code current} is what the key holds (empty: nothing). */
    record Kept(Optional<StoredObject> current) implements UpdateOutcome {
    }

    /** The store's backend cannot be reached (or did not answer in time); nothing was written. */
    final class UnavailableException extends RuntimeException {
        public UnavailableException(String message) {
            super(message, null, false, false);
        }
    }

    /** Changes since the asked revision were compacted away. */
    final class CompactedException extends RuntimeException {
        public CompactedException(long asked, long oldest) {
            super("revision " + asked + " is compacted; the oldest change kept is " + oldest, null, false, false);
        }
    }
}
