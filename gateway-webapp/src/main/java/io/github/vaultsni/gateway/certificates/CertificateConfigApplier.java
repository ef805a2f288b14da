package io.github.vaultsni.gateway.certificates;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.vaultsni.gateway.store.ConfigChange;
import io.github.vaultsni.gateway.store.ConfigStore;
import io.github.vaultsni.gateway.store.SecretCipher;
import io.github.vaultsni.gateway.store.StoredKind;
import io.github.vaultsni.gateway.store.StoredObject;
import io.github.vaultsni.registry.SslObject;
import io.github.vaultsni.registry.SslObjectRegistry;
import io.github.vaultsni.secret.SecretResolver;
import io.github.vaultsni.vault.VaultSecretManager;
import io.github.vaultsni.vault.VaultSecretObject;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Applies secret objects and SSL objects from the store's change events to the secret resolver and the SSL
 * object registry (server objects, served by SNI, and client objects, for upstream mTLS, alike): the one way
 * configuration reaches what is served, whatever wrote it, on the store's dispatcher thread. It lists what the
 * store holds when it starts, then watches from that revision; applying is idempotent, so a change seen twice does
 * no harm. An object that cannot be applied is logged (never its secrets) and skipped: its previous version stays.
 * Stopped with {@link OnStop#WITHDRAW}, it takes back what it applied from a resolver and registry it shares.
 */
public final class CertificateConfigApplier extends AbstractLifeCycle {
    private static final Logger LOG = LoggerFactory.getLogger(CertificateConfigApplier.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What becomes of what was applied when the applier stops. */
    public enum OnStop {
        /** Left as it is: the resolver and registry are the gateway's own and stop with it. */
        KEEP,
        /** Withdrawn: the resolver and registry are shared (a jetty-base's module) and outlive this gateway. */
        WITHDRAW
    }

    private final ConfigStore store;
    private final SecretCipher cipher;
    private final SecretResolver resolver;
    private final SslObjectRegistry registry;
    private final OnStop onStop;
    /** The ids applied and not deleted since: what {@link OnStop#WITHDRAW} withdraws. Confined to the dispatcher. */
    private final Set<String> secrets = ConcurrentHashMap.newKeySet();
    private final Set<String> ssls = ConcurrentHashMap.newKeySet();
    private ConfigStore.Watch watch;
    /** Removals handed to the registry and not yet served, by store revision. */
    private final ConcurrentSkipListMap<Long, CompletableFuture<?>> removals = new ConcurrentSkipListMap<>();
    private volatile CompletableFuture<Void> initialCertificates = new CompletableFuture<>();

    /** Applies {@code store}'s objects (the store started first) once this applier starts. */
    public CertificateConfigApplier(ConfigStore store, SecretCipher cipher, SecretResolver resolver,
                                    SslObjectRegistry registry, OnStop onStop) {
        this.store = store;
        this.cipher = cipher;
        this.resolver = resolver;
        this.registry = registry;
        this.onStop = onStop;
    }

    @Override
    protected void doStart() {
        long revision = store.revision();
        store.list(StoredKind.SECRETS.prefix()).forEach(o -> apply(ConfigChange.Type.PUT, o));
        initialCertificates = CompletableFuture.allOf(store.list(StoredKind.SSLS.prefix()).stream()
                .map(o -> apply(ConfigChange.Type.PUT, o)).toArray(CompletableFuture[]::new));
        watch = store.watch(revision, change -> {
            CompletableFuture<?> applied = apply(change.type(), change.object());
            if (change.type() == ConfigChange.Type.DELETE && !applied.isDone()) {
                removals.put(change.revision(), applied);
                applied.whenComplete((result, failure) -> removals.remove(change.revision(), applied));
            }
        });
    }

    @Override
    protected void doStop() {
        if (watch != null) {
            watch.close();
            watch = null;
        }
        if (onStop == OnStop.WITHDRAW) {
            ssls.forEach(registry::remove);
            secrets.forEach(id -> resolver.unregister("vault", id));
        }
        ssls.clear();
        secrets.clear();
    }

    /**
     * Returns once every removal this applier was handed up to {@code revision} is served (its certificate gone from
     * what clients see), or {@code timeout} has passed: what a DELETE's answer waits for.
     */
    public void awaitRemovals(long revision, Duration timeout) {
        CompletableFuture<?>[] pending = removals.headMap(revision, true).values().toArray(CompletableFuture[]::new);
        if (pending.length == 0) {
            return;
        }
        try {
            CompletableFuture.allOf(pending).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            LOG.debug("removals up to revision {} not all applied: {}", revision, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Completes when every SSL object stored at start has been built (or has failed) and is being served: a
     * listener opened after it never refuses a name it has a certificate for.
     */
    public CompletableFuture<Void> initialCertificates() {
        return initialCertificates;
    }

    /** Applies one change; for an SSL object, the future of its build (else, or on failure, a completed one). */
    private CompletableFuture<?> apply(ConfigChange.Type type, StoredObject object) {
        try {
            String key = object.key();
            if (StoredKind.SECRETS.holds(key)) {
                applySecret(type, StoredKind.SECRETS.idOf(key), object);
            } else if (StoredKind.SSLS.holds(key)) {
                String id = StoredKind.SSLS.idOf(key);
                if (type == ConfigChange.Type.DELETE) {
                    ssls.remove(id);
                    return registry.remove(id);
                }
                CompletableFuture<?> put = registry.put(SslObject.parse(id, read(StoredKind.SSLS, object)));
                ssls.add(id);
                return put;
            }
        } catch (RuntimeException e) {
            LOG.warn("cannot apply {} ({}): {}", object.key(), type, e.getMessage());
        }
        return CompletableFuture.completedFuture(null);
    }

    private void applySecret(ConfigChange.Type type, String id, StoredObject object) {
        if (type == ConfigChange.Type.DELETE) {
            secrets.remove(id);
            resolver.unregister("vault", id);
            return;
        }
        resolver.register("vault", id, VaultSecretManager.on(resolver,
                VaultSecretObject.fromJson(read(StoredKind.SECRETS, object))));
        secrets.add(id);
    }

    private ObjectNode read(StoredKind kind, StoredObject object) {
        try {
            if (JSON.readTree(object.json()) instanceof ObjectNode value) {
                kind.decrypt(value, cipher);
                return value;
            }
        } catch (IOException e) {
            // reported below
        }
        throw new IllegalArgumentException("stored object is not a JSON object; keeping its previous version");
    }
}
