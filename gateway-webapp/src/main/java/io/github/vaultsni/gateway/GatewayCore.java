package io.github.vaultsni.gateway;

import io.github.vaultsni.gateway.admin.AdminAccess;
import io.github.vaultsni.gateway.admin.AdminApi;
import io.github.vaultsni.gateway.admin.AdminKeyFilter;
import io.github.vaultsni.gateway.admin.AdminServlet;
import io.github.vaultsni.gateway.certificates.CertificateConfigApplier;
import io.github.vaultsni.gateway.certificates.StoredIssuedCertificates;
import io.github.vaultsni.gateway.metrics.GatewayMetrics;
import io.github.vaultsni.gateway.proxy.MtlsPolicy;
import io.github.vaultsni.gateway.proxy.ProxyConfiguration;
import io.github.vaultsni.gateway.route.RouteConfigApplier;
import io.github.vaultsni.gateway.store.ConfigStore;
import io.github.vaultsni.gateway.store.EtcdConfigStore;
import io.github.vaultsni.gateway.store.FileConfigStore;
import io.github.vaultsni.gateway.store.SecretCipher;
import io.github.vaultsni.gateway.store.SecretFiles;
import io.github.vaultsni.gateway.ui.CertificatesPage;
import io.github.vaultsni.secret.SecretResolver;
import io.github.vaultsni.sni.SniCertificateRegistry;
import io.github.vaultsni.sni.SniCertificates;
import io.github.vaultsni.sni.SniEntryPreference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The gateway without its listeners: the configuration store; the secret resolver, the certificate registries
 * and the route table fed from the store's events; the admin API; the metrics ({@link GatewayMetrics}) and the
 * certificates page. The embedded {@link Gateway} and the WAR's {@code GatewayWebappListener} both build one and
 * give its servlets and proxy configuration to their doors, so every deployment runs the same code.
 */
public final class GatewayCore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GatewayCore.class);
    private final ConfigStore store;
    private final SecretResolver resolver;
    private final SniCertificates certificates;
    private final SniCertificateRegistry registry;
    private final SniCertificateRegistry clientCertificates;
    private final CertificateConfigApplier applier;
    private final RouteConfigApplier routes;
    private final AdminApi adminApi;
    private final AdminAccess adminAccess;
    private final String adminKey;
    private final boolean ownsRegistry;
    private final ProxyConfiguration proxy;
    private final GatewayMetrics metrics;
    private final Clock clock;

    /** A gateway with its own resolver and registry, publishing served certificates to {@code certificates}. */
    public GatewayCore(GatewayConfig config, SniCertificates certificates) {
        this(config, null, certificates);
    }

    /**
     * A gateway whose SSL objects go to {@code shared} (in a jetty-base: the {@code vault-sni} module's registry,
     * which its HTTPS connector serves from); the shared registry and its resolver are not closed by {@link #close()}.
     */
    public GatewayCore(GatewayConfig config, SniCertificateRegistry shared) {
        this(config, shared, shared.certificates());
    }

    private GatewayCore(GatewayConfig config, SniCertificateRegistry shared, SniCertificates certificates) {
        Clock clock = Clock.systemUTC();
        this.clock = clock;
        this.certificates = certificates;
        this.ownsRegistry = shared == null;
        this.store = config.etcd().<ConfigStore>map(EtcdConfigStore::open).orElseGet(() -> FileConfigStore.open(config.dataDir()));
        SecretCipher cipher = config.encryptionKey() != null ? SecretCipher.fromBase64(config.encryptionKey())
                : SecretCipher.fromKeyFile(config.encryptionKeyFile());
        this.resolver = shared != null ? shared.resolver() : SecretResolver.builder().clock(clock).build();
        this.registry = shared != null ? shared
                : new SniCertificateRegistry(resolver, certificates, clock, SniEntryPreference.newestValid());
        config.fallbackSni().ifPresent(registry::setFallbackSni);
        registry.setIssuedCertificateStore(new StoredIssuedCertificates(store, cipher));
        // Client certificates (upstream mTLS) are built the same way, into an index nothing serves.
        this.clientCertificates = new SniCertificateRegistry(resolver, new SniCertificates(), clock,
                SniEntryPreference.newestValid());
        // Metered before the first object is applied: the stored objects' reads, issuances and handshakes count too.
        this.metrics = new GatewayMetrics(registry, store);
        this.applier = new CertificateConfigApplier(store, cipher, resolver, registry, clientCertificates, clock);
        this.routes = new RouteConfigApplier(store);
        this.adminKey = config.adminKey() != null ? config.adminKey() : storedOrGeneratedAdminKey(dataDirectory(config));
        this.adminApi = new AdminApi(store, cipher, clock, registry::status);
        this.adminAccess = new AdminAccess(adminKey, config.viewerKey(), config.adminLoopbackWithoutKey());
        this.proxy = new ProxyConfiguration(routes, new MtlsPolicy(certificates, applier::skipMtlsUris),
                clientCertificates::entry, clock, metrics.exchanges());
    }

    /** The admin API's access rule (its key, as the API takes it) for other paths: metrics in the WAR, the page's data. */
    public AdminKeyFilter newAdminKeyFilter() {
        return new AdminKeyFilter(adminAccess);
    }

    /** The Prometheus registry and meters; its servlet answers scrapes. */
    public GatewayMetrics metrics() {
        return metrics;
    }

    /** The certificates page ({@code /ui/}) for this gateway's SSL objects and secret objects. */
    public CertificatesPage certificatesPage() {
        return new CertificatesPage(registry, clock);
    }

    /** The admin API's servlet, for {@code /apisix/admin/*}. */
    public AdminServlet newAdminServlet() {
        return new AdminServlet(adminApi, adminAccess);
    }

    /** What a proxy door needs to start its forwarder: routes, client-certificate rules, upstream client certificates. */
    public ProxyConfiguration proxyConfiguration() {
        return proxy;
    }

    public String adminKey() {
        return adminKey;
    }

    /**
     * Waits, at most {@code timeout}, until the SSL objects stored at start are built and served, so that a
     * listener opened next serves every name it has from its first handshake. Past the timeout (e.g. Vault slow
     * to answer) it says so in one line and returns; those objects are served as soon as they are built.
     */
    public void awaitInitialCertificates(Duration timeout) {
        try {
            applier.initialCertificates().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.warn("opening listeners while some stored SSL objects are still being built (waited {} s)",
                    timeout.toSeconds());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            LOG.warn("building the stored SSL objects failed: {}", e.getCause().toString());
        }
    }

    public SniCertificateRegistry registry() {
        return registry;
    }

    private static Path dataDirectory(GatewayConfig config) {
        try {
            return SecretFiles.directory(config.dataDir());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the data directory " + config.dataDir(), e);
        }
    }

    /** The admin key kept in the data directory, or a new one stored there and printed once on the console. */
    private static String storedOrGeneratedAdminKey(Path dataDir) {
        Path file = dataDir.resolve("admin.key");
        try {
            if (Files.exists(file)) {
                return Files.readString(file, StandardCharsets.US_ASCII).trim();
            }
            byte[] random = new byte[16];
            new SecureRandom().nextBytes(random);
            String key = HexFormat.of().formatHex(random);
            SecretFiles.create(file, key + "\n");
            // Printed once, on the console only (never to the log): the operator needs it to call the admin API.
            System.out.println("Generated admin API key (stored in " + file + "): " + key);
            return key;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the admin key file " + file, e);
        }
    }

    @Override
    public void close() {
        metrics.close();
        routes.close();
        applier.close();
        clientCertificates.close();
        if (ownsRegistry) {
            registry.close();
            resolver.close();
        }
        store.close();
    }
}
