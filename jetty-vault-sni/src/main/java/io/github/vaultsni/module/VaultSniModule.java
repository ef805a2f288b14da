package io.github.vaultsni.module;

import io.github.vaultsni.metrics.VaultSniMetrics;
import io.github.vaultsni.registry.SniBindings;
import io.github.vaultsni.registry.SniBindingsFile;
import io.github.vaultsni.registry.SslObjectRegistry;
import io.github.vaultsni.runtime.FailedStart;
import io.github.vaultsni.runtime.VaultSniRuntime;
import io.github.vaultsni.secret.SecretCacheSettings;
import io.github.vaultsni.secret.SecretResolver;
import io.github.vaultsni.sni.ClientHelloConnectionFactory;
import io.github.vaultsni.sni.SniCertificates;
import io.github.vaultsni.sni.SniClientCertificateCheck;
import io.github.vaultsni.sni.SniConnectors;
import io.github.vaultsni.sni.VaultSniSslContextFactory;
import io.github.vaultsni.vault.KvVersion;
import io.github.vaultsni.vault.VaultSecretObject;
import io.github.vaultsni.vault.VaultSettings;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.eclipse.jetty.server.AbstractConnector;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code vault-sni} Jetty module at run time, a bean of the {@link Server}: a {@link VaultSniRuntime} (the
 * secret resolver with the Vault connection its properties describe, the SSL object registry behind the module's
 * {@link VaultSniSslContextFactory}), and the bindings file, applied at start and re-applied when it changes.
 * The connectors serving the module's factory get the ClientHello reader ({@link ClientHelloConnectionFactory})
 * and the client-certificate check. The resolver and registry are also server attributes
 * ({@link #RESOLVER_ATTRIBUTE}, {@link #REGISTRY_ATTRIBUTE}) so that a deployed gateway WAR serves its SSL objects
 * through the same registry. With a metrics port set, the
 * certificate, handshake and Vault meters ({@link VaultSniMetrics}) are served at {@value #METRICS_PATH} on a port of
 * the module's own (the JDK's HTTP server: nothing is added to the server's connectors or handlers).
 *
 * <p>Every setter is a module property {@code jetty.vaultSni.<name>}; see {@code vault-sni.mod} for units and
 * defaults. The Vault token and AppRole secret_id come from a file or an environment variable, never from a
 * property; a token file is read again when it changes. The login methods (Kubernetes, JWT, certificate) are mapped
 * by the library's {@link VaultSecretObject#parseAuth}, as the gateway's secret objects and Spring Boot's properties
 * are.
 */
public class VaultSniModule extends ContainerLifeCycle {
    public static final String RESOLVER_ATTRIBUTE = SecretResolver.class.getName();
    public static final String REGISTRY_ATTRIBUTE = SslObjectRegistry.class.getName();
    /** Where the metrics port answers (Prometheus text format 0.0.4 or OpenMetrics, by the scraper's Accept). */
    public static final String METRICS_PATH = "/metrics";
    private static final Logger LOG = LoggerFactory.getLogger(VaultSniModule.class);
    /** How a refusal of the auth settings names each field: as the property that sets it. */
    private static final Map<String, String> PROPERTY_OF_FIELD = Map.ofEntries(
            Map.entry("auth.method", "jetty.vaultSni.vaultAuthMethod"),
            Map.entry("auth.token", "jetty.vaultSni.vaultTokenEnv"),
            Map.entry("auth.token_file", "jetty.vaultSni.vaultTokenFile"),
            Map.entry("auth.role_id", "jetty.vaultSni.vaultRoleId"),
            Map.entry("auth.secret_id", "jetty.vaultSni.vaultSecretIdFile"),
            Map.entry("auth.role", "jetty.vaultSni.vaultAuthRole"),
            Map.entry("auth.name", "jetty.vaultSni.vaultAuthRole"),
            Map.entry("auth.jwt_file", "jetty.vaultSni.vaultJwtFile"),
            Map.entry("auth.cert", "jetty.vaultSni.vaultCertFile"),
            Map.entry("auth.cert_file", "jetty.vaultSni.vaultCertFile"),
            Map.entry("auth.key", "jetty.vaultSni.vaultKeyFile"),
            Map.entry("auth.key_file", "jetty.vaultSni.vaultKeyFile"),
            Map.entry("auth.mount", "jetty.vaultSni.vaultAuthMount"),
            Map.entry("auth.namespace", "jetty.vaultSni.vaultAuthNamespace"));

    private final Server server;
    private final SniCertificates certificates;
    private String vaultUri;
    private String vaultSecretObjectId = "vault-sni";
    private String vaultPrefix = "";
    private String vaultNamespace;
    private String vaultKvVersion = "auto";
    private String vaultTokenFile;
    private String vaultTokenEnv = "VAULT_TOKEN";
    private String vaultRoleId;
    private String vaultSecretIdFile;
    private String vaultSecretIdEnv = "VAULT_SECRET_ID";
    private String vaultAuthMethod;
    private String vaultAuthMount;
    private String vaultAuthNamespace;
    private String vaultAuthRole;
    private String vaultJwtFile;
    private String vaultCertFile;
    private String vaultKeyFile;
    private String vaultCaFile;
    private boolean vaultVerify = true;
    private long vaultTimeoutSeconds = 5;
    private long cacheTtlSeconds = 300;
    private long cacheNegativeTtlSeconds = 60;
    private long cacheMaxStaleSeconds;
    private String defaultEntry;
    private String fallbackSni;
    private String bindingsFile = "etc/vault-sni.json";
    private long bindingsScanMillis = 1000;
    private String base = ".";
    private int metricsPort;
    private String metricsHost = "127.0.0.1";

    private VaultSniRuntime runtime;
    private SniBindingsFile bindings;
    private HTTPServer metricsServer;

    public VaultSniModule(Server server, SniCertificates certificates) {
        this.server = server;
        this.certificates = certificates;
    }

    @Override
    protected void doStart() throws Exception {
        SecretCacheSettings.Builder cache = SecretCacheSettings.builder()
                .ttl(Duration.ofSeconds(cacheTtlSeconds)).negativeTtl(Duration.ofSeconds(cacheNegativeTtlSeconds));
        if (cacheMaxStaleSeconds > 0) {
            cache.maxStale(Duration.ofSeconds(cacheMaxStaleSeconds));
        }
        VaultSniRuntime.Builder runtime = VaultSniRuntime.builder().secrets(secrets -> secrets.cache(cache.build()))
                .registry(registry -> registry.certificates(certificates))
                .defaultEntry(defaultEntry).fallbackSni(fallbackSni);
        if (vaultUri != null && !vaultUri.isBlank()) {
            runtime.vault(vaultSecretObjectId, vaultSettings());
        }
        PrometheusRegistry prometheus = metricsPort > 0 ? new PrometheusRegistry() : null;
        if (prometheus != null) {
            runtime.metrics(prometheus);
        }
        this.runtime = runtime.build();
        addBean(this.runtime, true);
        prepareOurConnectors();
        super.doStart(); // the runtime: pool, resolver, registry, meters
        try {
            SslObjectRegistry registry = this.runtime.registry();
            server.setAttribute(RESOLVER_ATTRIBUTE, this.runtime.resolver());
            server.setAttribute(REGISTRY_ATTRIBUTE, registry);
            if (prometheus != null) {
                metricsServer = HTTPServer.builder().hostname(metricsHost).port(metricsPort).registry(prometheus)
                        .metricsHandlerPath(METRICS_PATH).buildAndStart();
                LOG.info("vault-sni: metrics on http://{}:{}{}", metricsHost, metricsServer.getPort(), METRICS_PATH);
            }
            bindings = new SniBindingsFile(resolve(bindingsFile), new SniBindings(registry), this.runtime.scheduler());
            bindings.watch(Duration.ofMillis(bindingsScanMillis));
        } catch (Exception | Error e) {
            if (bindings != null) {
                bindings.close();
            }
            if (metricsServer != null) {
                metricsServer.close();
            }
            server.removeAttribute(RESOLVER_ATTRIBUTE);
            server.removeAttribute(REGISTRY_ATTRIBUTE);
            FailedStart.stopStarted(this, e); // a failed start stops what it started
            throw e;
        }
    }

    @Override
    protected void doStop() throws Exception {
        if (bindings != null) {
            bindings.close();
            bindings = null;
        }
        if (metricsServer != null) {
            metricsServer.close();
            metricsServer = null;
        }
        server.removeAttribute(RESOLVER_ATTRIBUTE);
        server.removeAttribute(REGISTRY_ATTRIBUTE);
        super.doStop();
        if (runtime != null) {
            removeBean(runtime);
            runtime = null;
        }
    }

    private VaultSettings vaultSettings() {
        VaultSettings.Builder b = VaultSettings.builder(vaultUri).prefix(vaultPrefix).namespace(vaultNamespace)
                .kvVersion(KvVersion.of(vaultKvVersion)).verify(vaultVerify).timeout(Duration.ofSeconds(vaultTimeoutSeconds));
        if (vaultCaFile != null && !vaultCaFile.isBlank()) {
            b.caPem(read(vaultCaFile));
        }
        b.auth(VaultSecretObject.parseAuth(authSettings(), field -> PROPERTY_OF_FIELD.getOrDefault(field, field)));
        return b.build();
    }

    /**
     * The module's properties as a secret object's {@code auth} block, read by the library's one mapping: the
     * method named ({@code vaultAuthMethod}), else AppRole when a role_id is set, else the token file when one is
     * set, else a token from the environment. Every property set is passed on, so one the method does not use is
     * refused rather than ignored. Files resolve against {@code jetty.base}.
     */
    private Map<String, Object> authSettings() {
        String method = hasText(vaultAuthMethod) ? vaultAuthMethod : hasText(vaultRoleId) ? "approle"
                : hasText(vaultTokenFile) ? "token_file" : "token";
        Map<String, Object> auth = new LinkedHashMap<>();
        auth.put("method", method);
        if (method.equals("token")) {
            auth.put("token", "$env://" + vaultTokenEnv);
        }
        if (method.equals("approle")) {
            auth.put("secret_id", hasText(vaultSecretIdFile) ? read(vaultSecretIdFile).trim() : "$env://" + vaultSecretIdEnv);
        }
        if (!method.equals("approle") && hasText(vaultSecretIdFile)) {
            auth.put("secret_id", "(from a file)"); // set for another method: refused, naming the property
        }
        putIfSet(auth, "role_id", vaultRoleId);
        putIfSet(auth, "token_file", file(vaultTokenFile));
        putIfSet(auth, method.equals("cert") ? "name" : "role", vaultAuthRole);
        putIfSet(auth, "jwt_file", file(vaultJwtFile));
        putIfSet(auth, "cert_file", file(vaultCertFile));
        putIfSet(auth, "key_file", file(vaultKeyFile));
        putIfSet(auth, "mount", vaultAuthMount);
        putIfSet(auth, "namespace", vaultAuthNamespace);
        return auth;
    }

    private static void putIfSet(Map<String, Object> auth, String field, String value) {
        if (hasText(value)) {
            auth.put(field, value);
        }
    }

    private String file(String file) {
        return hasText(file) ? resolve(file).toString() : null;
    }

    private static boolean hasText(String value) {
        return value != null && !value.isBlank();
    }

    private String read(String file) {
        try {
            return Files.readString(resolve(file));
        } catch (IOException e) {
            throw new UncheckedIOException("vault-sni: cannot read " + resolve(file), e);
        }
    }

    private Path resolve(String file) {
        Path path = Path.of(file);
        return path.isAbsolute() ? path : Path.of(base).resolve(path);
    }

    /**
     * The connectors serving this module's factory get, before they start, the ClientHello reader in front of TLS
     * (a name being built or issued parks its connection, not a thread) and the per-entry client-certificate check.
     */
    private void prepareOurConnectors() {
        for (Connector connector : server.getConnectors()) {
            SslConnectionFactory tls = connector.getConnectionFactory(SslConnectionFactory.class);
            if (tls != null && tls.getSslContextFactory() instanceof VaultSniSslContextFactory ours
                    && ours.getCertificates() == certificates && connector instanceof AbstractConnector container) {
                if (container.getConnectionFactory(ClientHelloConnectionFactory.class) == null
                        && tls.getProtocol().equalsIgnoreCase(container.getDefaultProtocol())) {
                    container.addFirstConnectionFactory(SniConnectors.clientHello(ours, tls));
                }
                if (container.getBean(SniClientCertificateCheck.class) == null) {
                    container.addBean(new SniClientCertificateCheck(certificates));
                }
            }
        }
    }

    public SecretResolver getResolver() {
        return runtime == null ? null : runtime.resolver();
    }

    public SslObjectRegistry getRegistry() {
        return runtime == null ? null : runtime.registry();
    }

    /** The runtime this module started, or null while stopped. */
    public VaultSniRuntime getRuntime() {
        return runtime;
    }

    /** The port of the module's metrics endpoint; 0 (the default): none. */
    public void setMetricsPort(int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("jetty.vaultSni.metricsPort (" + port + ") must be between 0 and 65535");
        }
        this.metricsPort = port;
    }

    /** The address the metrics endpoint listens on. Default: 127.0.0.1 (loopback only). */
    public void setMetricsHost(String host) {
        this.metricsHost = host == null || host.isBlank() ? "127.0.0.1" : host;
    }

    /** The port the metrics endpoint listens on, once started; -1 when it is off. */
    public int getMetricsLocalPort() {
        return metricsServer == null ? -1 : metricsServer.getPort();
    }

    /** {@code jetty.base}, against which relative paths resolve. */
    public void setBase(String base) {
        this.base = base;
    }

    public void setVaultUri(String vaultUri) {
        this.vaultUri = vaultUri;
    }

    public void setVaultSecretObjectId(String id) {
        this.vaultSecretObjectId = id;
    }

    public void setVaultPrefix(String prefix) {
        this.vaultPrefix = prefix == null ? "" : prefix;
    }

    public void setVaultNamespace(String namespace) {
        this.vaultNamespace = namespace;
    }

    public void setVaultKvVersion(String kvVersion) {
        this.vaultKvVersion = kvVersion;
    }

    public void setVaultTokenFile(String file) {
        this.vaultTokenFile = file;
    }

    public void setVaultTokenEnv(String env) {
        this.vaultTokenEnv = env;
    }

    public void setVaultRoleId(String roleId) {
        this.vaultRoleId = roleId;
    }

    public void setVaultSecretIdFile(String file) {
        this.vaultSecretIdFile = file;
    }

    public void setVaultSecretIdEnv(String env) {
        this.vaultSecretIdEnv = env;
    }

    /**
     * How the module logs in to Vault: {@code token}, {@code token_file}, {@code approle}, {@code kubernetes},
     * {@code jwt} or {@code cert}. Default: AppRole when a role_id is set, else the token file when one is set, else
     * the token in {@code vaultTokenEnv}.
     */
    public void setVaultAuthMethod(String method) {
        this.vaultAuthMethod = method;
    }

    /** Where the login method is enabled, below {@code auth/}. Default: the method's name. */
    public void setVaultAuthMount(String mount) {
        this.vaultAuthMount = mount;
    }

    /** The Vault namespace to log in to. Default: {@code vaultNamespace}. */
    public void setVaultAuthNamespace(String namespace) {
        this.vaultAuthNamespace = namespace;
    }

    /** The role to log in as (Kubernetes, JWT), or the certificate role (cert). */
    public void setVaultAuthRole(String role) {
        this.vaultAuthRole = role;
    }

    /** The JWT file (JWT; Kubernetes, default: the pod's service-account token), read at every login. */
    public void setVaultJwtFile(String file) {
        this.vaultJwtFile = file;
    }

    /** The client certificate file (cert), read at every login. */
    public void setVaultCertFile(String file) {
        this.vaultCertFile = file;
    }

    /** Its private key file (cert), read at every login. */
    public void setVaultKeyFile(String file) {
        this.vaultKeyFile = file;
    }

    public void setVaultCaFile(String file) {
        this.vaultCaFile = file;
    }

    public void setVaultVerify(boolean verify) {
        this.vaultVerify = verify;
    }

    public void setVaultTimeout(long seconds) {
        this.vaultTimeoutSeconds = seconds;
    }

    public void setCacheTtl(long seconds) {
        this.cacheTtlSeconds = seconds;
    }

    public void setCacheNegativeTtl(long seconds) {
        this.cacheNegativeTtlSeconds = seconds;
    }

    public void setCacheMaxStale(long seconds) {
        this.cacheMaxStaleSeconds = seconds;
    }

    public void setDefaultEntry(String id) {
        this.defaultEntry = id == null || id.isBlank() ? null : id;
    }

    /** The SNI whose certificate serves clients that send none, as APISIX's {@code apisix.ssl.fallback_sni}. */
    public void setFallbackSni(String name) {
        this.fallbackSni = name == null || name.isBlank() ? null : name;
    }

    public void setBindingsFile(String file) {
        this.bindingsFile = file;
    }

    public void setBindingsScanInterval(long millis) {
        this.bindingsScanMillis = Math.max(100, millis);
    }

    @Override
    public String toString() {
        return "VaultSniModule{vault=" + vaultUri + ", secretObject=vault/" + vaultSecretObjectId + ", bindings="
                + bindingsFile + "}";
    }
}
