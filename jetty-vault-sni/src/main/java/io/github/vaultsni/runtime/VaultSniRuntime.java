package io.github.vaultsni.runtime;

import io.github.vaultsni.issuer.VaultPkiAuthority;
import io.github.vaultsni.metrics.VaultSniMetrics;
import io.github.vaultsni.registry.SslObjectRegistry;
import io.github.vaultsni.secret.SecretResolver;
import io.github.vaultsni.sni.SniCertificates;
import io.github.vaultsni.sni.SniNames;
import io.github.vaultsni.vault.VaultSecretManager;
import io.github.vaultsni.vault.VaultSettings;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * Everything that turns SSL objects into served certificates, assembled once for every way in (the
 * {@code vault-sni} Jetty module, {@code gateway.jar}, {@code gateway.war}, the Spring Boot starter): one thread
 * pool, one scheduler and one clock, shared by the {@link SecretResolver} (its cache and Vault connections), the
 * {@link SslObjectRegistry} (its state machines and issuer) and, when asked, the meters ({@link VaultSniMetrics}).
 * Work that blocks on Vault runs on bounded shares of the pool ({@value #DEFAULT_FETCH_CONCURRENCY} reads,
 * {@value #DEFAULT_ISSUANCE_CONCURRENCY} issuances and keyless objects' builds, and
 * {@value io.github.vaultsni.keyless.RemoteSignings#DEFAULT_MAX_IN_FLIGHT} keyless signatures at once), so a Vault
 * that hangs leaves the rest of the {@value #DEFAULT_THREADS} threads running: the registry's changes, its
 * publications and the builds.
 *
 * <p>A Jetty {@code ContainerLifeCycle} (its {@code dump()} shows the tree): {@link #builder()} only assigns;
 * {@link #start()} starts the pool, the scheduler, the resolver (registering the Vault secret objects given to the
 * builder), the registry and the meters, in that order, and stops what it started if one fails, so a new runtime
 * can be started in the same JVM; {@link #stop()} stops them in reverse.
 */
public final class VaultSniRuntime extends ContainerLifeCycle implements AutoCloseable {
    public static final int DEFAULT_THREADS = 24;
    public static final int DEFAULT_FETCH_CONCURRENCY = 4;
    /** Issuances (and their store writes) at once: a Vault PKI that hangs holds at most these threads. */
    static final int DEFAULT_ISSUANCE_CONCURRENCY = 4;
    private static final Logger LOG = LoggerFactory.getLogger(VaultSniRuntime.class);

    private final Clock clock;
    private final Executor executor;
    private final Scheduler scheduler;
    private final SecretResolver resolver;
    private final SslObjectRegistry registry;
    private final Map<String, VaultSettings> vaults;
    private final PrometheusRegistry prometheus;
    private final int maxSniLabels;
    private final String defaultEntry;
    private final String fallbackSni;
    private VaultSniMetrics metrics;

    private VaultSniRuntime(Builder b) {
        this.clock = b.clock;
        if (b.executor != null) {
            this.executor = b.executor;
        } else {
            QueuedThreadPool pool = new QueuedThreadPool(b.threads, 2);
            pool.setName("vault-sni");
            pool.setDaemon(true);
            addBean(pool, true);
            this.executor = pool;
        }
        this.scheduler = b.scheduler != null ? b.scheduler : new ScheduledExecutorScheduler("vault-sni-scheduler", true);
        addBean(scheduler, b.scheduler == null);
        SecretResolver.Builder secrets = SecretResolver.builder();
        b.secrets.accept(secrets);
        this.resolver = secrets.clock(clock).on(new LimitedExecutor(executor, b.fetchConcurrency), scheduler).build();
        SslObjectRegistry.Builder objects = SslObjectRegistry.builder(resolver, executor)
                .issuances(new LimitedExecutor(executor, DEFAULT_ISSUANCE_CONCURRENCY)).authority(new VaultPkiAuthority(id -> resolver.manager("vault", id, VaultSecretManager.class), clock));
        b.registry.accept(objects);
        this.registry = objects.build();
        this.vaults = Map.copyOf(b.vaults);
        this.prometheus = b.prometheus;
        this.maxSniLabels = b.maxSniLabels;
        this.defaultEntry = b.defaultEntry;
        this.fallbackSni = b.fallbackSni;
        addBean(resolver, true);
        addBean(registry, true);
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        try {
            vaults.forEach((id, settings) -> {
                resolver.register("vault", id, VaultSecretManager.on(resolver, settings));
                LOG.info("vault-sni: secret object vault/{} is {}", id, settings);
            });
            if (prometheus != null) {
                // Before anything is put: the first objects' reads, issuances and handshakes count too.
                metrics = VaultSniMetrics.register(prometheus, registry, maxSniLabels);
            }
            registry.setDefaultEntry(defaultEntry);
            registry.setFallbackSni(fallbackSni);
        } catch (RuntimeException e) {
            if (metrics != null) {
                metrics.close();
                metrics = null;
            }
            throw FailedStart.stopStarted(this, e);
        }
    }

    @Override
    protected void doStop() throws Exception {
        if (metrics != null) {
            metrics.close();
            metrics = null;
        }
        super.doStop();
    }

    /** Stops the runtime ({@link #stop()}), for try-with-resources. */
    @Override
    public void close() {
        LifeCycle.stop(this);
    }

    public SecretResolver resolver() {
        return resolver;
    }

    public SslObjectRegistry registry() {
        return registry;
    }

    public SniCertificates certificates() {
        return registry.certificates();
    }

    public Clock clock() {
        return clock;
    }

    /** The runtime's pool, for work of the caller's that belongs with it (never for a handshake). */
    public Executor executor() {
        return executor;
    }

    public Scheduler scheduler() {
        return scheduler;
    }

    /**
     * A runtime's settings; each has a default, stated on its setter. Two runtimes never share a pool: give each
     * its own builder.
     */
    public static final class Builder {
        private Clock clock = Clock.systemUTC();
        private Executor executor;
        private Scheduler scheduler;
        private int threads = DEFAULT_THREADS;
        private int fetchConcurrency = DEFAULT_FETCH_CONCURRENCY;
        private Consumer<SecretResolver.Builder> secrets = settings -> { };
        private Consumer<SslObjectRegistry.Builder> registry = settings -> { };
        private final Map<String, VaultSettings> vaults = new LinkedHashMap<>();
        private PrometheusRegistry prometheus;
        private int maxSniLabels = VaultSniMetrics.DEFAULT_MAX_SNI_LABELS;
        private String defaultEntry;
        private String fallbackSni;

        private Builder() {
        }

        /** Time for caches, statuses and renewals. Default: the system clock. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** The pool every part works on. Default: a pool of {@link #threads} daemon threads of the runtime's own. */
        public Builder executor(Executor executor) {
            this.executor = executor;
            return this;
        }

        /** Timers (refresh, renewals, publication pacing). Default: one of the runtime's own. */
        public Builder scheduler(Scheduler scheduler) {
            this.scheduler = scheduler;
            return this;
        }

        /** The size of the runtime's own pool. Default {@value #DEFAULT_THREADS}. */
        public Builder threads(int threads) {
            if (threads < 4) {
                throw new IllegalArgumentException("threads (" + threads + ") must be at least 4");
            }
            this.threads = threads;
            return this;
        }

        /** How many Vault reads run at once. Default {@value #DEFAULT_FETCH_CONCURRENCY}. */
        public Builder fetchConcurrency(int fetchConcurrency) {
            if (fetchConcurrency < 1) {
                throw new IllegalArgumentException("fetchConcurrency (" + fetchConcurrency + ") must be at least 1");
            }
            this.fetchConcurrency = fetchConcurrency;
            return this;
        }

        /**
         * The secret resolver's own settings (its cache, where {@code $env://} reads, whether it refreshes in the
         * background), applied in turn, the runtime's clock and threads set over them. Default: the resolver's.
         */
        public Builder secrets(Consumer<SecretResolver.Builder> settings) {
            this.secrets = this.secrets.andThen(Objects.requireNonNull(settings, "settings"));
            return this;
        }

        /**
         * The registry's own settings (where it publishes, which object wins a name, waits, where issued certificates
         * are kept, who issues them), applied in turn. Default: the registry's, with Vault's PKI engine issuing
         * through the secret object each issuer names.
         */
        public Builder registry(Consumer<SslObjectRegistry.Builder> settings) {
            this.registry = this.registry.andThen(Objects.requireNonNull(settings, "settings"));
            return this;
        }

        /** A Vault secret object, {@code $secret://vault/<id>/...}, registered when the runtime starts. */
        public Builder vault(String secretObjectId, VaultSettings settings) {
            vaults.put(Objects.requireNonNull(secretObjectId, "secretObjectId"), Objects.requireNonNull(settings, "settings"));
            return this;
        }

        /**
         * Registers the library's meters in {@code prometheus} when the runtime starts (and takes them out when it
         * stops), keeping {@code maxSniLabels} names per handshake result. Default: no meters.
         */
        public Builder metrics(PrometheusRegistry prometheus, int maxSniLabels) {
            if (maxSniLabels < 1) {
                throw new IllegalArgumentException("maxSniLabels (" + maxSniLabels + ") must be at least 1");
            }
            this.prometheus = Objects.requireNonNull(prometheus, "prometheus");
            this.maxSniLabels = maxSniLabels;
            return this;
        }

        /** As {@link #metrics(PrometheusRegistry, int)} with {@value VaultSniMetrics#DEFAULT_MAX_SNI_LABELS} names. */
        public Builder metrics(PrometheusRegistry prometheus) {
            return metrics(prometheus, VaultSniMetrics.DEFAULT_MAX_SNI_LABELS);
        }

        /** The object served to clients that send no SNI. Default: none. */
        public Builder defaultEntry(String id) {
            this.defaultEntry = id == null || id.isBlank() ? null : id;
            return this;
        }

        /**
         * The SNI whose certificate serves clients that send none (APISIX's {@code fallback_sni}). Default: none.
         *
         * @throws IllegalArgumentException when it is not a host name
         */
        public Builder fallbackSni(String name) {
            this.fallbackSni = name == null || name.isBlank() ? null : SniNames.normalize(name.strip());
            return this;
        }

        public VaultSniRuntime build() {
            return new VaultSniRuntime(this);
        }
    }
}
