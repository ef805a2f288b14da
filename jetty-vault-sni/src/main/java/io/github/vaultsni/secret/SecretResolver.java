package io.github.vaultsni.secret;

import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Turns secret references into values: the one entry point certificates, configuration and the admin API use.
 *
 * <p>{@code $secret://<manager>/<id>/...} goes to the {@link SecretManager} registered under that manager type and
 * id (e.g. the Vault secret object {@code vault/quickstart-secret-id}) through a shared cache (see
 * {@link SecretCacheSettings}): one fetch per secret path, however many fields and callers; stale values served
 * while refreshing and through outages. {@code $env://} reads the process environment. A background refresher
 * fetches values past their TTL and lets managers renew their tokens, so a value changed in Vault is noticed
 * within one TTL (plus the tick) and reported to {@link SecretChangeListener}s.
 *
 * <p>Thread-safe. A Jetty {@code LifeCycle}: the constructor assigns; {@link #start()} starts the background refresh
 * (and the executor and scheduler, when the resolver made its own); {@link #stop()} (or {@link #close()}) stops
 * them and closes the managers. Nothing is fetched before it starts.
 */
public final class SecretResolver extends ContainerLifeCycle implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SecretResolver.class);

    private final Map<String, SecretManager> managers = new ConcurrentHashMap<>();
    /** The last read of each registered secret object (by {@link #key}), for {@link #secretObjects()}. */
    private final Map<String, SecretObjectStatus> lastReads = new ConcurrentHashMap<>();
    private final SecretObservers observers = new SecretObservers();
    private final Clock clock;
    private final SecretCache cache;
    private final EnvSecrets env;
    private final Executor fetchers;
    private final Scheduler scheduler;
    private final boolean backgroundRefresh;
    private final long tickMillis;
    private volatile Scheduler.Task refresh;

    private SecretResolver(Builder b) {
        this.env = new EnvSecrets(b.environment);
        this.clock = b.clock;
        if (b.executor != null) {
            this.fetchers = b.executor;
        } else {
            QueuedThreadPool own = new QueuedThreadPool(b.fetchThreads, 1);
            own.setName("secret-fetch");
            own.setDaemon(true);
            addBean(own, true);
            this.fetchers = own;
        }
        this.scheduler = b.scheduler != null ? b.scheduler : new ScheduledExecutorScheduler("secret-refresh", true);
        addBean(scheduler, b.scheduler == null);
        this.cache = new SecretCache(this::load, b.settings, b.clock, fetchers, observers);
        this.backgroundRefresh = b.backgroundRefresh;
        this.tickMillis = b.settings.refreshTick().toMillis();
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        if (backgroundRefresh) {
            refresh = scheduler.schedule(this::tick, tickMillis, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    protected void doStop() throws Exception {
        Scheduler.Task task = refresh;
        if (task != null) {
            task.cancel();
        }
        managers.values().forEach(SecretManager::close);
        managers.clear();
        super.doStop();
    }

    /** Stops the resolver ({@link #stop()}), for try-with-resources. */
    @Override
    public void close() {
        try {
            stop();
        } catch (Exception e) {
            LOG.debug("stopping the secret resolver: {}", e.toString());
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Registers (or replaces) the manager for {@code $secret://<manager>/<id>/...}. A replaced manager is closed,
     * and every cached secret of that id is fetched again through the new one.
     */
    public void register(String manager, String id, SecretManager secretManager) {
        Objects.requireNonNull(secretManager, "secretManager");
        SecretManager old = managers.put(key(manager, id), secretManager);
        if (old != null && old != secretManager) {
            lastReads.remove(key(manager, id)); // the old connection's last read says nothing of the new one
            old.close();
        }
        refetch(manager, id);
    }

    /** The resolver's clock, which the parts that build on it share. */
    public Clock clock() {
        return clock;
    }

    /** The resolver's scheduler, which the parts that build on it share. */
    public Scheduler scheduler() {
        return scheduler;
    }

    /** The manager registered for {@code $secret://<manager>/<id>/...}, if any. */
    public Optional<SecretManager> manager(String manager, String id) {
        return Optional.ofNullable(managers.get(key(manager, id)));
    }

    /** The manager registered for {@code $secret://<manager>/<id>/...}, if it is a {@code kind}. */
    public <T extends SecretManager> Optional<T> manager(String manager, String id, Class<T> kind) {
        return manager(manager, id).filter(kind::isInstance).map(kind::cast);
    }

    /** Removes a manager: references through it fail from now on, and listeners hear that their values are gone. */
    public void unregister(String manager, String id) {
        SecretManager old = managers.remove(key(manager, id));
        lastReads.remove(key(manager, id));
        if (old != null) {
            old.close();
            refetch(manager, id);
        }
    }

    /**
     * {@code value} itself when it is not a reference (inline PEM, a plain string), else what it refers to.
     *
     * @throws SecretException when a reference cannot be resolved; the message names the reference and the cause
     */
    public String resolveValue(String value) {
        return SecretReference.isReference(value) ? resolve(parse(value)) : value;
    }

    /**
     * As {@link #resolveValue(String)}, waiting at most {@code timeout} for a fetch: for a caller that must not wait
     * longer, such as a login resolving its credential through another secret object.
     *
     * @throws SecretException {@link SecretException.Kind#TIMEOUT} when the fetch takes longer
     */
    public String resolveValue(String value, Duration timeout) {
        if (!SecretReference.isReference(value)) {
            return value;
        }
        try {
            return resolveAsync(parse(value)).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new SecretException(SecretException.Kind.TIMEOUT, "secret reference " + value
                    + " did not resolve within " + timeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SecretException se) {
                throw se;
            }
            throw new SecretException(SecretException.Kind.BAD_RESPONSE, "secret reference " + value + " failed ("
                    + e.getCause().getClass().getSimpleName() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SecretException(SecretException.Kind.TIMEOUT, "interrupted resolving " + value);
        }
    }

    /** Resolves a reference, waiting for a fetch only when nothing usable is cached. */
    public String resolve(SecretReference reference) {
        if (reference.scheme() == SecretReference.Scheme.SECRET) {
            String field = reference.field().orElseThrow();
            SecretCache.Entry cached = cache.getNow(reference.location(), field);
            if (cached != null) {
                return valueOf(cached, reference, field);
            }
        }
        try {
            return resolveAsync(reference).join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof SecretException se) {
                throw se;
            }
            throw e;
        }
    }

    /** Resolves without blocking the caller: the future fails with a {@link SecretException}. */
    public CompletableFuture<String> resolveAsync(SecretReference reference) {
        if (reference.scheme() == SecretReference.Scheme.ENV) {
            try {
                return CompletableFuture.completedFuture(env.resolve(reference));
            } catch (SecretException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        String field = reference.field().orElseThrow();
        return cache.get(reference.location(), field).thenApply(entry -> valueOf(entry, reference, field));
    }

    private static String valueOf(SecretCache.Entry entry, SecretReference reference, String field) {
        if (!entry.hasValue()) {
            throw entry.error().forReference(reference);
        }
        String value = entry.fields().get(field);
        if (value == null) {
            throw new SecretException(SecretException.Kind.MISSING_FIELD,
                    "secret " + reference.location().path() + " has no field " + field).forReference(reference);
        }
        return value;
    }

    public void addListener(SecretChangeListener listener) {
        cache.addListener(listener);
    }

    public void removeListener(SecretChangeListener listener) {
        cache.removeListener(listener);
    }

    /**
     * Fetches every secret past its TTL now, as the background refresher does each tick; for tests that drive
     * a clock by hand. Completes when those fetches have.
     */
    public CompletableFuture<Void> refreshDue() {
        return cache.refreshDue();
    }

    /** How many secret paths are cached. */
    public int cachedSecrets() {
        return cache.size();
    }

    /** From now on {@code observer} hears of cache hits, stale answers, reads and failed refreshes. */
    public void addObserver(SecretObserver observer) {
        observers.add(observer);
    }

    public void removeObserver(SecretObserver observer) {
        observers.remove(observer);
    }

    /**
     * Every registered secret object, by id: how its last read went (whether its Vault is reachable) and how it
     * authenticates.
     */
    public List<SecretObjectStatus> secretObjects() {
        return managers.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .map(e -> lastReads.getOrDefault(e.getKey(), SecretObjectStatus.unread(e.getKey()))
                        .withAuth(e.getValue().authStatus().orElse(null))).toList();
    }

    /**
     * How long the stalest cached value has been past its TTL, being refreshed or kept through an outage; zero when
     * all are fresh. Walks the cache: for scrapes and status pages.
     */
    public Duration oldestStaleAge() {
        return cache.oldestStaleAge();
    }

    private static SecretReference parse(String value) {
        try {
            return SecretReference.parse(value);
        } catch (IllegalArgumentException e) {
            throw new SecretException(SecretException.Kind.MALFORMED_REFERENCE, e.getMessage());
        }
    }

    private Map<String, String> load(SecretLocation location) {
        SecretManager manager = managers.get(key(location.manager(), location.id()));
        if (manager == null) {
            boolean typeKnown = managers.keySet().stream().anyMatch(k -> k.startsWith(location.manager() + "/"));
            throw typeKnown || location.manager().equals("vault")
                    ? new SecretException(SecretException.Kind.NO_SUCH_SECRET_OBJECT,
                            "no secret object " + location.secretObject())
                    : new SecretException(SecretException.Kind.NO_SUCH_MANAGER,
                            "no secret manager " + location.manager());
        }
        String object = key(location.manager(), location.id());
        long start = System.nanoTime();
        SecretException.Kind failure = SecretException.Kind.BAD_RESPONSE; // unless the manager answers or says why
        try {
            Optional<Map<String, String>> fields = manager.read(location.path());
            failure = null;
            return fields.orElseThrow(() -> new SecretException(SecretException.Kind.NOT_FOUND,
                    "no secret at " + location.path() + " in " + location.secretObject()));
        } catch (SecretException e) {
            failure = e.kind();
            throw e;
        } finally {
            readEnded(object, manager, failure, System.nanoTime() - start);
        }
    }

    /** Records how a read through {@code manager} went, unless the manager was replaced or removed meanwhile. */
    private void readEnded(String object, SecretManager manager, SecretException.Kind failure, long nanos) {
        // Checked and recorded in one step: a register or unregister that removes the entry cannot come between.
        lastReads.compute(object, (key, last) -> managers.get(object) == manager
                ? SecretObjectStatus.read(object, clock.instant(), failure) : last);
        observers.read(object, failure, nanos);
    }

    private void refetch(String manager, String id) {
        String object = key(manager, id);
        cache.invalidate(location -> location.secretObject().equals(object));
    }

    private void tick() {
        if (!isRunning()) {
            return;
        }
        try {
            cache.refreshDue();
            for (SecretManager manager : managers.values()) {
                fetchers.execute(manager::maintain);
            }
        } catch (RuntimeException e) {
            LOG.warn("secret refresh tick failed: {}", e.getClass().getSimpleName());
        }
        refresh = scheduler.schedule(this::tick, tickMillis, TimeUnit.MILLISECONDS);
    }

    private static String key(String manager, String id) {
        return manager.toLowerCase(java.util.Locale.ROOT) + "/" + id;
    }

    /** Settings for a {@link SecretResolver}; every one has a default, stated on its setter. */
    public static final class Builder {
        private Clock clock = Clock.systemUTC();
        private SecretCacheSettings settings = SecretCacheSettings.defaults();
        private Function<String, String> environment = System::getenv;
        private int fetchThreads = 4;
        private Executor executor;
        private Scheduler scheduler;
        private boolean backgroundRefresh = true;

        private Builder() {
        }

        /** The clock for TTLs. Default: the system clock. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Cache TTLs and limits. Default: {@link SecretCacheSettings#defaults()}. */
        public Builder cache(SecretCacheSettings settings) {
            this.settings = Objects.requireNonNull(settings, "settings");
            return this;
        }

        /** Where {@code $env://} reads variables. Default: {@link System#getenv(String)}. */
        public Builder environment(Function<String, String> environment) {
            this.environment = Objects.requireNonNull(environment, "environment");
            return this;
        }

        /**
         * The threads the resolver works on, a runtime's: {@code fetches} runs fetches, each of which blocks on the
         * network (give one that bounds how many run at once), {@code scheduler} the background refresh. Default: a
         * pool of {@link #fetchThreads} threads and a scheduler of the resolver's own.
         */
        public Builder on(Executor fetches, Scheduler scheduler) {
            this.executor = Objects.requireNonNull(fetches, "fetches");
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /** Threads of the resolver's own pool, when no executor is given. Default: 4. */
        public Builder fetchThreads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("fetchThreads (" + threads + ") must be at least 1");
            }
            this.fetchThreads = threads;
            return this;
        }

        /**
         * Whether a background thread refreshes values past their TTL every {@code refreshTick}. Tests that drive
         * the clock by hand turn it off and call {@link SecretResolver#refreshDue()}. Default: on.
         */
        public Builder backgroundRefresh(boolean on) {
            this.backgroundRefresh = on;
            return this;
        }

        public SecretResolver build() {
            return new SecretResolver(this);
        }
    }
}
