package io.github.vaultsni.registry;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Entries bound to a {@link SslObjectRegistry} from named sources, each a whole list that is re-applied when
 * it changes: a bindings file ({@link SniBindingsFile}), a list in an application's properties. Applying a
 * source's list puts its new and changed entries and removes those it listed before and lists no more; entries
 * it did not change are left alone (not rebuilt, not re-fetched). An id belongs to the source that bound it
 * first: another source listing it is refused, so one source can never remove what another serves.
 *
 * <p>Thread-safe; applications are serialised.
 */
public final class SniBindings {

    /** Hears the ids bound from every source after each change (e.g. to keep one meter per entry). */
    @FunctionalInterface
    public interface Listener {
        void boundIdsChanged(Set<String> ids);
    }

    private final SslObjectRegistry registry;
    /** Source name to its entries by id, as last applied. Guarded by this. */
    private final Map<String, Map<String, SniEntrySpec>> sources = new LinkedHashMap<>();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();

    public SniBindings(SslObjectRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    /**
     * Makes {@code source}'s entries exactly {@code specs}. The future completes once every put entry has been
     * built (or has failed) and is being served as its status says, and every removed one is no longer served.
     *
     * @throws IllegalArgumentException when an id appears twice in {@code specs}, or is bound by another source;
     *                                  nothing is changed then
     */
    public synchronized CompletableFuture<Void> apply(String source, Collection<SniEntrySpec> specs) {
        Objects.requireNonNull(source, "source");
        Map<String, SniEntrySpec> wanted = new LinkedHashMap<>();
        for (SniEntrySpec spec : specs) {
            if (wanted.put(spec.id(), spec) != null) {
                throw new IllegalArgumentException(source + ": entry " + spec.id() + " appears twice");
            }
            String owner = ownerOf(spec.id());
            if (owner != null && !owner.equals(source)) {
                throw new IllegalArgumentException(source + ": entry " + spec.id() + " is already bound by " + owner);
            }
        }
        Map<String, SniEntrySpec> applied = sources.getOrDefault(source, Map.of());
        Set<String> gone = new HashSet<>(applied.keySet());
        gone.removeAll(wanted.keySet());
        List<CompletableFuture<?>> changes = new ArrayList<>();
        gone.forEach(id -> changes.add(registry.remove(id)));
        wanted.values().stream().filter(spec -> !spec.equals(applied.get(spec.id())))
                .forEach(spec -> changes.add(registry.put(spec)));
        sources.put(source, wanted);
        Set<String> ids = ids();
        listeners.forEach(listener -> listener.boundIdsChanged(ids));
        return CompletableFuture.allOf(changes.toArray(CompletableFuture[]::new));
    }

    /** Every id bound now, from all sources, in the order they were bound. */
    public synchronized Set<String> ids() {
        Set<String> ids = new LinkedHashSet<>();
        sources.values().forEach(entries -> ids.addAll(entries.keySet()));
        return Collections.unmodifiableSet(ids);
    }

    /** The ids {@code source} binds now; empty when it binds none. */
    public synchronized Set<String> ids(String source) {
        return Collections.unmodifiableSet(new LinkedHashSet<>(sources.getOrDefault(source, Map.of()).keySet()));
    }

    /**
     * Adds a listener and tells it the ids bound now; under the lock {@link #apply} tells them in, so it cannot hear
     * an older set after a newer one.
     */
    public synchronized void addListener(Listener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
        listener.boundIdsChanged(ids());
    }

    public synchronized void removeListener(Listener listener) {
        listeners.remove(listener);
    }

    public SslObjectRegistry registry() {
        return registry;
    }

    private String ownerOf(String id) {
        for (Map.Entry<String, Map<String, SniEntrySpec>> source : sources.entrySet()) {
            if (source.getValue().containsKey(id)) {
                return source.getKey();
            }
        }
        return null;
    }
}
