package io.github.vaultsni.boot;

import io.github.vaultsni.registry.SniBindings;
import io.github.vaultsni.registry.SniBindingsFile;
import io.github.vaultsni.registry.SslObjectRegistry;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Where the served certificates come from: {@code vault-sni.certificates} (one source of {@link SniBindings},
 * applied again when the environment is refreshed) and {@code vault-sni.bindings-file} (another, watched). Started
 * as a bean, so before the web server opens: start-up waits up to {@code vault-sni.startup-timeout} for the
 * certificates to be built, so the first clients find them.
 */
final class VaultSniCertificateSources implements AutoCloseable {
    static final String PROPERTIES_SOURCE = "vault-sni.certificates";
    private static final Logger LOG = LoggerFactory.getLogger(VaultSniCertificateSources.class);

    private final SniBindings bindings;
    private final Environment environment;
    private final Scheduler scheduler;
    private VaultSniProperties applied;
    private SniBindingsFile bindingsFile;

    VaultSniCertificateSources(SniBindings bindings, VaultSniProperties properties, Environment environment,
                               Scheduler scheduler) {
        this.bindings = Objects.requireNonNull(bindings, "bindings");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.applied = Objects.requireNonNull(properties, "properties");
        this.environment = Objects.requireNonNull(environment, "environment");
    }

    /**
     * Applies both sources and waits for what they put to be built.
     *
     * @throws IllegalArgumentException when vault-sni.certificates is not usable, naming the property
     */
    synchronized void start() {
        CompletableFuture<Void> built = bindings.apply(PROPERTIES_SOURCE, applied.certificateSpecs());
        if (applied.bindingsFile() != null) {
            bindingsFile = new SniBindingsFile(applied.bindingsFile().toAbsolutePath(), bindings, scheduler);
            built = CompletableFuture.allOf(built, bindingsFile.watch(applied.bindingsScanInterval()));
        }
        awaitBuilt(built);
    }

    /**
     * The environment changed (Spring Cloud's refresh): binds {@code vault-sni.*} again and, where it differs from
     * what was applied, applies {@code vault-sni.certificates}, {@code default-entry} and {@code fallback-sni};
     * entries that did not change are left alone. A list that is not usable changes nothing and is reported in one
     * line; the Vault connection, the cache and the bindings file stay as they were started.
     *
     * <p>Bound again on every refresh rather than only when a changed key starts with {@code vault-sni.}: a list
     * made shorter in a higher-priority source changes no key (the longer list's keys still exist below it), yet
     * binds shorter.
     */
    synchronized void refresh() {
        VaultSniProperties wanted;
        try {
            wanted = Binder.get(environment).bindOrCreate("vault-sni", VaultSniProperties.class);
            if (wanted.equals(applied)) {
                return;
            }
            bindings.apply(PROPERTIES_SOURCE, wanted.certificateSpecs());
        } catch (RuntimeException e) {
            LOG.warn("vault-sni.certificates not applied, the previous certificates stay: {}", e.getMessage());
            return;
        }
        if (!Objects.equals(wanted.defaultEntry(), applied.defaultEntry())) {
            registry().setDefaultEntry(wanted.defaultEntry());
        }
        if (!Objects.equals(wanted.fallbackSni(), applied.fallbackSni())) {
            registry().setFallbackSni(wanted.fallbackSni());
        }
        if (!wanted.vault().equals(applied.vault()) || !wanted.cache().equals(applied.cache())
                || !Objects.equals(wanted.bindingsFile(), applied.bindingsFile())) {
            LOG.warn("vault-sni.vault.*, vault-sni.cache.* and vault-sni.bindings-file changed: they apply at the next start");
        }
        LOG.info("vault-sni.certificates applied: {} entries", wanted.certificates().size());
        applied = wanted;
    }

    @Override
    public synchronized void close() {
        if (bindingsFile != null) {
            bindingsFile.close();
        }
    }

    private SslObjectRegistry registry() {
        return bindings.registry();
    }

    private void awaitBuilt(CompletableFuture<Void> built) {
        try {
            built.get(applied.startupTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.warn("vault-sni: certificates still being built after {}; the web server opens, and serves them as "
                    + "they are built", applied.startupTimeout());
        } catch (ExecutionException e) {
            LOG.warn("vault-sni: building the certificates failed: {}", e.getCause().toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
