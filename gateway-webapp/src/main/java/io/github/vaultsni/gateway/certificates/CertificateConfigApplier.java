package io.github.vaultsni.gateway.certificates;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.vaultsni.gateway.store.ConfigChange;
import io.github.vaultsni.gateway.store.ConfigStore;
import io.github.vaultsni.gateway.store.SecretCipher;
import io.github.vaultsni.gateway.store.StoredKind;
import io.github.vaultsni.gateway.store.StoredObject;
import io.github.vaultsni.secret.SecretResolver;
import io.github.vaultsni.sni.SniCertificateRegistry;
import io.github.vaultsni.sni.SslObject;
import io.github.vaultsni.vault.VaultSecretManager;
import io.github.vaultsni.vault.VaultSecretObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Applies secret objects and SSL objects from the store's change events to the secret resolver and the
 * certificate registries (server certificates, and client certificates for upstream mTLS): the one way configuration reaches what is served, whatever wrote it. It lists what the
 * store holds, then watches from that revision; applying is idempotent, so a change seen twice does no harm.
 * An object that cannot be applied is logged (never its secrets) and skipped; the others go on.
 */
public final class CertificateConfigApplier implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CertificateConfigApplier.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SecretCipher cipher;
    private final SecretResolver resolver;
    private final SniCertificateRegistry registry;
    private final SniCertificateRegistry clientCertificates;
    private final Clock clock;
    private final Map<String, List<Pattern>> skipMtlsUris = new ConcurrentHashMap<>();
    private final AutoCloseable watch;
    private final CompletableFuture<Void> initialCertificates;

    /**
     * @param registry           where server SSL objects go (served by SNI)
     * @param clientCertificates where {@code type: client} SSL objects go (for upstream mTLS; never served)
     */
    public CertificateConfigApplier(ConfigStore store, SecretCipher cipher, SecretResolver resolver,
                                    SniCertificateRegistry registry, SniCertificateRegistry clientCertificates,
                                    Clock clock) {
        this.cipher = cipher;
        this.resolver = resolver;
        this.registry = registry;
        this.clientCertificates = clientCertificates;
        this.clock = clock;
        long revision = store.revision();
        store.list(StoredKind.SECRETS.prefix()).forEach(o -> apply(ConfigChange.Type.PUT, o));
        this.initialCertificates = CompletableFuture.allOf(store.list(StoredKind.SSLS.prefix()).stream()
                .map(o -> apply(ConfigChange.Type.PUT, o)).toArray(CompletableFuture[]::new));
        this.watch = store.watch(revision, change -> apply(change.type(), change.object()));
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
                return applySsl(type, StoredKind.SSLS.idOf(key), object);
            }
        } catch (RuntimeException e) {
            LOG.warn("cannot apply {} ({}): {}", object.key(), type, e.getMessage());
        }
        return CompletableFuture.completedFuture(null);
    }

    private void applySecret(ConfigChange.Type type, String id, StoredObject object) throws IllegalArgumentException {
        if (type == ConfigChange.Type.DELETE) {
            resolver.unregister("vault", id);
            return;
        }
        resolver.register("vault", id, new VaultSecretManager(VaultSecretObject.fromJson(read(StoredKind.SECRETS, object)), clock,
                resolver::resolveValue));
    }

    private CompletableFuture<?> applySsl(ConfigChange.Type type, String id, StoredObject object) {
        if (type == ConfigChange.Type.DELETE) {
            registry.remove(id);
            clientCertificates.remove(id);
            skipMtlsUris.remove(id);
            return CompletableFuture.completedFuture(null);
        }
        SslObject ssl = SslObject.fromJson(id, read(StoredKind.SSLS, object)); // a bad object fails here, before anything changes
        boolean client = ssl.type() == SslObject.Type.CLIENT;
        skipMtlsUris.put(id, ssl.skipMtlsUris());
        (client ? registry : clientCertificates).remove(id);
        return (client ? clientCertificates : registry).put(ssl.spec());
    }

    /** The {@code client.skip_mtls_uri_regex} patterns of an SSL object (empty when none). */
    public List<Pattern> skipMtlsUris(String sslId) {
        return skipMtlsUris.getOrDefault(sslId, List.of());
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

    @Override
    public void close() {
        try {
            watch.close();
        } catch (Exception e) {
            LOG.debug("closing the configuration watch: {}", e.toString());
        }
    }
}
