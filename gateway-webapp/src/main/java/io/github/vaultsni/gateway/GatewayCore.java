package io.github.vaultsni.gateway;

import io.github.vaultsni.gateway.admin.AdminAccess;
import io.github.vaultsni.gateway.admin.AdminApi;
import io.github.vaultsni.gateway.admin.ObjectStatuses;
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
import io.github.vaultsni.issuer.IssuedCertificateStore;
import io.github.vaultsni.registry.SniEntrySpec;
import io.github.vaultsni.registry.SslObjectRegistry;
import io.github.vaultsni.runtime.FailedStart;
import io.github.vaultsni.runtime.VaultSniRuntime;
import io.github.vaultsni.sni.SniCertificates;
import io.github.vaultsni.sni.SniEntry;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.eclipse.jetty.util.component.LifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The gateway without its listeners: the configuration store; a {@link VaultSniRuntime} (secret resolver and SSL
 * object registry, built by the one runtime builder every way in uses) or, in a jetty-base, the {@code vault-sni}
 * module's registry; the appliers that feed them and the route table from the store's events; the admin API; the
 * metrics ({@link GatewayMetrics}) and the certificates page. The embedded {@link Gateway} and the WAR's
 * {@code GatewayWebappListener} both start one and give its servlets and proxy configuration to their doors, so
 * every deployment runs the same code.
 *
 * <p>A Jetty {@code ContainerLifeCycle}: the constructor assigns; {@link #start()} opens the store, reads the
 * keys, starts the runtime and the appliers, in that order, and if any of it fails stops what it started (the
 * store's lock released), so the gateway can be started again in the same JVM. What it makes is there once it has
 * started.
 */
public final class GatewayCore extends ContainerLifeCycle {
    private static final Logger LOG = LoggerFactory.getLogger(GatewayCore.class);
    private final GatewayConfig config;
    private final SniCertificates certificates;
    private final SslObjectRegistry shared;
    private final Clock clock = Clock.systemUTC();

    private ConfigStore store;
    private SslObjectRegistry registry;
    private CertificateConfigApplier applier;
    private AdminApi adminApi;
    private AdminAccess adminAccess;
    private String adminKey;
    private ProxyConfiguration proxy;
    private GatewayMetrics metrics;

    /** A gateway with its own runtime, publishing served certificates to {@code certificates}. */
    public GatewayCore(GatewayConfig config, SniCertificates certificates) {
        this(config, null, certificates);
    }

    /**
     * A gateway whose SSL objects go to {@code shared} (in a jetty-base: the {@code vault-sni} module's registry,
     * which its HTTPS connector serves from); the shared registry and its resolver are not stopped with it.
     */
    public GatewayCore(GatewayConfig config, SslObjectRegistry shared) {
        this(config, shared, shared.certificates());
    }

    private GatewayCore(GatewayConfig config, SslObjectRegistry shared, SniCertificates certificates) {
        this.config = Objects.requireNonNull(config, "config");
        this.shared = shared;
        this.certificates = Objects.requireNonNull(certificates, "certificates");
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        try {
            store = started(config.etcd().<ConfigStore>map(EtcdConfigStore::new)
                    .orElseGet(() -> new FileConfigStore(config.dataDir())));
            SecretCipher cipher = config.encryptionKey() != null ? SecretCipher.fromBase64(config.encryptionKey())
                    : SecretCipher.fromKeyFile(config.encryptionKeyFile());
            StoredIssuedCertificates issued = new StoredIssuedCertificates(store, cipher);
            if (shared == null) {
                registry = started(VaultSniRuntime.builder().clock(clock)
                        .registry(settings -> settings.certificates(certificates).issuedCertificates(issued))
                        .fallbackSni(config.fallbackSni().orElse(null)).build()).registry();
            } else {
                registry = shared;
                registry.useIssuedCertificates(issued);
                config.fallbackSni().ifPresent(registry::setFallbackSni);
            }
            // Metered before the first object is applied: the stored objects' reads, issuances and handshakes count too.
            metrics = started(new GatewayMetrics(registry, store));
            applier = started(new CertificateConfigApplier(store, cipher, registry.resolver(), registry,
                    shared == null ? CertificateConfigApplier.OnStop.KEEP : CertificateConfigApplier.OnStop.WITHDRAW));
            RouteConfigApplier routes = started(new RouteConfigApplier(store));
            adminKey = config.adminKey() != null ? config.adminKey() : storedOrGeneratedAdminKey(dataDirectory(config));
            adminApi = new AdminApi(store, cipher, clock, ObjectStatuses.of(registry), applier::awaitRemovals);
            adminAccess = new AdminAccess(adminKey, config.viewerKey(), config.adminLoopbackWithoutKey());
            proxy = new ProxyConfiguration(routes, new MtlsPolicy(certificates), this::clientCertificate,
                    metrics.exchanges());
        } catch (Exception | Error e) {
            FailedStart.stopStarted(this, e); // a failed start stops what it started: the store's lock first of all
            getBeans().forEach(this::removeBean);
            throw e;
        }
    }

    @Override
    protected void doStop() throws Exception {
        super.doStop();
        if (shared != null && shared.isRunning()) {
            shared.useIssuedCertificates(IssuedCertificateStore.inMemory()); // not this gateway's store, stopped
        }
        getBeans().forEach(this::removeBean);
        store = null;
        registry = null;
    }

    /** Adds {@code component} as a managed bean, started now (the core is starting): stopped in reverse order. */
    private <T extends LifeCycle> T started(T component) throws Exception {
        addBean(component, true);
        if (!component.isStarted()) {
            component.start();
        }
        return component;
    }

    /** A built {@code type: client} SSL object, for an upstream's {@code tls.client_cert_id}. */
    private Optional<SniEntry> clientCertificate(String id) {
        return registry.spec(id).filter(spec -> spec.type() == SniEntrySpec.Type.CLIENT).flatMap(spec -> registry.entry(id));
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

    /** What the HTTPS door serves. */
    public SniCertificates certificates() {
        return certificates;
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

    public SslObjectRegistry registry() {
        return registry;
    }

    private static Path dataDirectory(GatewayConfig config) throws IOException {
        return SecretFiles.directory(config.dataDir());
    }

    /** The admin key kept in the data directory, or a new one stored there and printed once on the console. */
    private static String storedOrGeneratedAdminKey(Path dataDir) throws IOException {
        Path file = dataDir.resolve("admin.key");
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
    }
}
