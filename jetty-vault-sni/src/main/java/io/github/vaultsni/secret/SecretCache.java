package io.github.vaultsni.secret;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Secrets by location, fetched once and shared. The lookup order for a location:
 * <ol>
 *   <li>a fresh value (younger than the TTL) is answered at once;</li>
 *   <li>a stale value is answered at once and refreshed in the background (stale-while-revalidate);</li>
 *   <li>a remembered failure younger than the negative TTL fails at once;</li>
 *   <li>otherwise the caller waits for the fetch.</li>
 * </ol>
 * At most one fetch per location is in flight; everyone asking meanwhile shares it. A fetch that fails with a
 * transient error (unreachable, sealed, denied...) keeps the last good value (stale-if-error, up to
 * {@code maxStale}) and retries after the negative TTL; a definite answer (not found, no such secret object)
 * drops it. Listeners hear of every field whose value changed; the {@link SecretObserver} hears of hits, stale
 * answers and failed refreshes.
 */
final class SecretCache {
    private static final Logger LOG = LoggerFactory.getLogger(SecretCache.class);

    /** One fetched state of a location: a value, a failure, or a value kept through a failure. */
    record Entry(Map<String, String> fields, SecretException error, Instant fetchedAt, Instant freshUntil) {
        boolean hasValue() {
            return fields != null;
        }
    }

    private static final class Slot {
        final SecretLocation location;
        final AtomicReference<CompletableFuture<Entry>> inFlight = new AtomicReference<>();
        final Set<String> fieldsAsked = ConcurrentHashMap.newKeySet();
        volatile Entry entry;
        volatile long lastAccess;

        Slot(SecretLocation location) {
            this.location = location;
        }
    }

    private final Map<SecretLocation, Slot> slots = new ConcurrentHashMap<>();
    private final List<SecretChangeListener> listeners = new CopyOnWriteArrayList<>();
    private final Function<SecretLocation, Map<String, String>> loader;
    private final SecretCacheSettings settings;
    private final Clock clock;
    private final Executor executor;
    private final SecretObserver observer;

    /**
     * @param loader   fetches a location's fields; throws {@link SecretException} (including NOT_FOUND)
     * @param executor runs fetches; a fetch blocks on network I/O
     * @param observer hears of hits, stale answers and failed refreshes
     */
    SecretCache(Function<SecretLocation, Map<String, String>> loader, SecretCacheSettings settings, Clock clock,
                Executor executor, SecretObserver observer) {
        this.loader = loader;
        this.settings = settings;
        this.clock = clock;
        this.executor = executor;
        this.observer = observer;
    }

    void addListener(SecretChangeListener listener) {
        listeners.add(Objects.requireNonNull(listener));
    }

    void removeListener(SecretChangeListener listener) {
        listeners.remove(listener);
    }

    /** The location's current entry, waiting only when there is nothing usable to answer with. */
    CompletableFuture<Entry> get(SecretLocation location, String field) {
        Instant now = clock.instant();
        Slot slot = slot(location, field, now);
        Entry entry = answerNow(slot, now);
        return entry != null ? CompletableFuture.completedFuture(entry) : load(slot, null);
    }

    /**
     * The entry when it can be answered without waiting (fresh, or stale within limits, which starts a
     * background refresh), else null. The path a cached resolution takes: two map reads, no allocation.
     */
    Entry getNow(SecretLocation location, String field) {
        Instant now = clock.instant();
        return answerNow(slot(location, field, now), now);
    }

    private Entry answerNow(Slot slot, Instant now) {
        Entry entry = slot.entry;
        if (entry == null) {
            return null;
        }
        if (now.isBefore(entry.freshUntil())) {
            if (entry.hasValue()) {
                if (entry.error() == null) {
                    observer.cacheHit(slot.location);
                } else {
                    observer.staleServed(slot.location);
                }
            }
            return entry;
        }
        if (entry.hasValue() && !beyondMaxStale(entry, now)) {
            load(slot, entry);
            observer.staleServed(slot.location);
            return entry;
        }
        return null;
    }

    /**
     * How long the stalest value held has been past its TTL (refreshing, or kept through failed refreshes): zero
     * when every value is fresh. Walks every location: for scrapes, not for the request path.
     */
    Duration oldestStaleAge() {
        Instant now = clock.instant();
        Duration oldest = Duration.ZERO;
        for (Slot slot : slots.values()) {
            Entry entry = slot.entry;
            if (entry != null && entry.hasValue() && (entry.error() != null || !now.isBefore(entry.freshUntil()))) {
                Duration age = Duration.between(entry.fetchedAt().plus(settings.ttl()), now);
                if (age.compareTo(oldest) > 0) {
                    oldest = age;
                }
            }
        }
        return oldest;
    }

    /** Starts a fetch of every location whose entry is past its fresh time; completes when all are done. */
    CompletableFuture<Void> refreshDue() {
        Instant now = clock.instant();
        return reload(slot -> slot.entry != null && !now.isBefore(slot.entry.freshUntil()));
    }

    /** Fetches again every location that matches, now, whatever its age. */
    CompletableFuture<Void> invalidate(Predicate<SecretLocation> which) {
        return reload(slot -> which.test(slot.location));
    }

    int size() {
        return slots.size();
    }

    private CompletableFuture<Void> reload(Predicate<Slot> which) {
        List<CompletableFuture<Entry>> loads = new ArrayList<>();
        for (Slot slot : slots.values()) {
            if (which.test(slot)) {
                loads.add(load(slot, null));
            }
        }
        return CompletableFuture.allOf(loads.toArray(CompletableFuture[]::new));
    }

    private Slot slot(SecretLocation location, String field, Instant now) {
        Slot slot = slots.get(location);
        if (slot == null) {
            Slot created = new Slot(location);
            slot = slots.computeIfAbsent(location, l -> created);
            if (slot == created && slots.size() > settings.maxEntries()) {
                evictLeastRecentlyUsed(created);
            }
        }
        // Recency for eviction only needs seconds; writing it on every call would make cores contend.
        long millis = now.toEpochMilli();
        if (millis - slot.lastAccess > 1000) {
            slot.lastAccess = millis;
        }
        if (!slot.fieldsAsked.contains(field)) {
            slot.fieldsAsked.add(field);
        }
        return slot;
    }

    private void evictLeastRecentlyUsed(Slot keep) {
        slots.values().stream()
                .filter(s -> s != keep && s.inFlight.get() == null)
                .min((a, b) -> Long.compare(a.lastAccess, b.lastAccess))
                .ifPresent(s -> slots.remove(s.location, s));
    }

    /**
     * The fetch in flight for this slot, or a new one. With {@code seen} (the stale entry a caller looked at): no
     * new fetch when a fetch that ended meanwhile already replaced it. That fetch stores its entry before it
     * leaves, so once this one is the slot's fetch, the replacement is visible here.
     */
    private CompletableFuture<Entry> load(Slot slot, Entry seen) {
        CompletableFuture<Entry> mine = new CompletableFuture<>();
        while (true) {
            CompletableFuture<Entry> running = slot.inFlight.get();
            if (running != null) {
                return running;
            }
            if (slot.inFlight.compareAndSet(null, mine)) {
                break;
            }
        }
        Entry current = slot.entry;
        if (seen != null && current != seen) {
            slot.inFlight.set(null);
            mine.complete(current);
            return mine;
        }
        try {
            executor.execute(() -> complete(slot, mine));
        } catch (RejectedExecutionException e) {
            slot.inFlight.set(null);
            mine.complete(new Entry(null, new SecretException(SecretException.Kind.BAD_RESPONSE,
                    "secret resolver is closed"), clock.instant(), clock.instant()));
        }
        return mine;
    }

    private void complete(Slot slot, CompletableFuture<Entry> future) {
        Entry before = slot.entry;
        Entry after = fetch(slot.location, before);
        slot.entry = after;
        slot.inFlight.set(null);
        logTransition(slot.location, before, after);
        if (before != null) {
            notifyChanged(slot, before, after);
        }
        // Completed last, so whoever waits on a refresh knows the listeners have been told.
        future.complete(after);
    }

    private Entry fetch(SecretLocation location, Entry before) {
        Instant now = clock.instant();
        try {
            Map<String, String> fields = Map.copyOf(loader.apply(location));
            return new Entry(fields, null, now, now.plus(settings.ttl()));
        } catch (SecretException e) {
            return failed(location, e, before, now);
        } catch (RuntimeException e) {
            // A bug or an unexpected library failure: reported by type only, as its message may quote data.
            return failed(location, new SecretException(SecretException.Kind.BAD_RESPONSE,
                    "unexpected " + e.getClass().getSimpleName() + " reading " + location), before, now);
        }
    }

    private Entry failed(SecretLocation location, SecretException error, Entry before, Instant now) {
        if (before != null && before.hasValue()) {
            observer.refreshFailed(location, error.kind());
        }
        Instant retryAt = now.plus(settings.negativeTtl().compareTo(settings.ttl()) < 0
                ? settings.negativeTtl() : settings.ttl());
        if (error.kind().isTransient() && before != null && before.hasValue() && !beyondMaxStale(before, now)) {
            // Kept no longer than maxStale allows, even when the next retry comes later.
            Instant keptUntil = staleLimit(before).filter(retryAt::isAfter).orElse(retryAt);
            return new Entry(before.fields(), error, before.fetchedAt(), keptUntil);
        }
        return new Entry(null, error, now, now.plus(settings.negativeTtl()));
    }

    /** The last instant the entry's value may be served through failed refreshes; empty: no limit. */
    private Optional<Instant> staleLimit(Entry entry) {
        return settings.maxStale().map(max -> entry.fetchedAt().plus(settings.ttl()).plus(max));
    }

    private boolean beyondMaxStale(Entry entry, Instant now) {
        return staleLimit(entry).map(now::isAfter).orElse(false);
    }

    private static String reason(Entry entry) {
        return entry.error() == null ? null : entry.error().getMessage();
    }

    private static void logTransition(SecretLocation location, Entry before, Entry after) {
        SecretException error = after.error();
        if (error == null) {
            if (before != null && before.error() != null) {
                LOG.info("secret {} is readable again", location);
            }
            return;
        }
        boolean sameAsBefore = before != null && error.getMessage().equals(reason(before))
                && before.hasValue() == after.hasValue();
        if (!sameAsBefore) {
            LOG.warn("failed to fetch secret {}: {}{}", location, error.getMessage(),
                    after.hasValue() ? " (serving the last good value)" : "");
        }
    }

    /**
     * Tells listeners of every field asked for whose value changed, or which has none and whose reason changed
     * (a secret object created for a reference that named it, with Vault still unreachable): what depends on it
     * then reports the current reason, not the first one.
     */
    private void notifyChanged(Slot slot, Entry before, Entry after) {
        boolean reasonChanged = !Objects.equals(reason(before), reason(after));
        for (String field : slot.fieldsAsked) {
            String was = before.hasValue() ? before.fields().get(field) : null;
            String now = after.hasValue() ? after.fields().get(field) : null;
            if (!Objects.equals(was, now) || (now == null && reasonChanged)) {
                SecretReference reference = SecretReference.secret(slot.location, field);
                for (SecretChangeListener listener : listeners) {
                    try {
                        listener.secretChanged(reference);
                    } catch (RuntimeException e) {
                        LOG.warn("secret change listener {} failed for {}: {}", listener, reference,
                                e.getClass().getSimpleName());
                    }
                }
            }
        }
    }
}
