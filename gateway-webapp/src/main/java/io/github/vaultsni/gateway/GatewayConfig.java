package io.github.vaultsni.gateway;

import io.github.vaultsni.gateway.accesslog.AccessLogDestination;
import io.github.vaultsni.gateway.listener.TlsPolicy;
import io.github.vaultsni.gateway.store.EtcdConnection;
import io.github.vaultsni.sni.SniNames;
import io.github.vaultsni.tls.TlsProvider;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How a gateway runs. Immutable; build with {@link #builder()}, whose setters state each default.
 * {@code toString()} never prints a key.
 */
public final class GatewayConfig {
    private final Path dataDir;
    private final Path encryptionKeyFile;
    private final String encryptionKey;
    private final String adminHost;
    private final int adminPort;
    private final String httpHost;
    private final int httpPort;
    private final String httpsHost;
    private final int httpsPort;
    private final String adminKey;
    private final String viewerKey;
    private final boolean adminLoopbackWithoutKey;
    private final EtcdConnection etcd;
    private final TlsProvider tlsProvider;
    private final boolean tlsSessionTickets;
    private final TlsPolicy tlsPolicy;
    private final Duration requestHeaderTimeout;
    private final String fallbackSni;
    private final String metricsHost;
    private final int metricsPort;
    private final boolean metrics;
    private final AccessLogDestination accessLog;

    private GatewayConfig(Builder b) {
        this.metricsHost = b.metricsHost;
        this.metricsPort = b.metricsPort;
        this.metrics = b.metrics;
        this.accessLog = b.accessLog;
        this.fallbackSni = b.fallbackSni;
        this.tlsSessionTickets = b.tlsSessionTickets;
        this.tlsPolicy = b.tlsPolicy;
        this.requestHeaderTimeout = b.requestHeaderTimeout;
        this.etcd = b.etcd;
        this.tlsProvider = b.tlsProvider;
        this.dataDir = b.dataDir;
        this.encryptionKeyFile = b.encryptionKeyFile != null ? b.encryptionKeyFile
                : b.dataDir.toAbsolutePath().resolveSibling(b.dataDir.toAbsolutePath().getFileName() + ".key");
        this.encryptionKey = b.encryptionKey;
        this.adminHost = b.adminHost;
        this.adminPort = b.adminPort;
        this.httpHost = b.httpHost;
        this.httpPort = b.httpPort;
        this.httpsHost = b.httpsHost;
        this.httpsPort = b.httpsPort;
        this.adminKey = b.adminKey;
        this.viewerKey = b.viewerKey;
        this.adminLoopbackWithoutKey = b.adminLoopbackWithoutKey;
    }

    public boolean tlsSessionTickets() {
        return tlsSessionTickets;
    }

    public TlsPolicy tlsPolicy() {
        return tlsPolicy;
    }

    public Duration requestHeaderTimeout() {
        return requestHeaderTimeout;
    }

    /** The SNI whose certificate serves clients that send none, or empty: they are refused. */
    public Optional<String> fallbackSni() {
        return Optional.ofNullable(fallbackSni);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Whether the Prometheus endpoint listens ({@link #metricsHost()}:{@link #metricsPort()}). */
    public boolean metrics() {
        return metrics;
    }

    public String metricsHost() {
        return metricsHost;
    }

    public int metricsPort() {
        return metricsPort;
    }

    public AccessLogDestination accessLog() {
        return accessLog;
    }

    public Path dataDir() {
        return dataDir;
    }

    public Path encryptionKeyFile() {
        return encryptionKeyFile;
    }

    public String encryptionKey() {
        return encryptionKey;
    }

    public String adminHost() {
        return adminHost;
    }

    public int adminPort() {
        return adminPort;
    }

    public String httpHost() {
        return httpHost;
    }

    public int httpPort() {
        return httpPort;
    }

    public String httpsHost() {
        return httpsHost;
    }

    public int httpsPort() {
        return httpsPort;
    }

    public String adminKey() {
        return adminKey;
    }

    public String viewerKey() {
        return viewerKey;
    }

    public boolean adminLoopbackWithoutKey() {
        return adminLoopbackWithoutKey;
    }

    public TlsProvider tlsProvider() {
        return tlsProvider;
    }

    /** Empty: the embedded store in the data directory; else the cluster's etcd. */
    public Optional<EtcdConnection> etcd() {
        return Optional.ofNullable(etcd);
    }

    @Override
    public String toString() {
        return "GatewayConfig{dataDir=" + dataDir + ", store=" + (etcd == null ? "file" : etcd)
                + ", admin=" + adminHost + ":" + adminPort + ", http=" + httpHost + ":" + httpPort
                + ", https=" + httpsHost + ":" + httpsPort + ", metrics=" + (metrics ? metricsHost + ":" + metricsPort : "off")
                + ", accessLog=" + accessLog + ", tls=" + tlsProvider
                + (fallbackSni == null ? "" : ", fallbackSni=" + fallbackSni) + ", adminLoopbackWithoutKey=" + adminLoopbackWithoutKey + "}";
    }

    /** Builder for {@link GatewayConfig}. */
    public static final class Builder {
        private Path dataDir = Path.of("data");
        private Path encryptionKeyFile;
        private String encryptionKey;
        private String adminHost = "127.0.0.1";
        private int adminPort = 9180;
        private String httpHost = "0.0.0.0";
        private int httpPort = 9080;
        private String httpsHost = "0.0.0.0";
        private int httpsPort = 9443;
        private String adminKey;
        private String viewerKey;
        private boolean adminLoopbackWithoutKey;
        private EtcdConnection etcd;
        private TlsProvider tlsProvider = TlsProvider.AUTO;
        private boolean tlsSessionTickets;
        private TlsPolicy tlsPolicy = TlsPolicy.apisix();
        private Duration requestHeaderTimeout = Duration.ofSeconds(60);
        private String fallbackSni;
        private String metricsHost = "127.0.0.1";
        private int metricsPort = 9091;
        private boolean metrics = true;
        private AccessLogDestination accessLog = AccessLogDestination.stdout();

        private Builder() {
        }

        /**
         * The Prometheus endpoint's address ({@code /apisix/prometheus/metrics}). Default: 127.0.0.1, as APISIX's
         * {@code plugin_attr.prometheus.export_addr}.
         */
        public Builder metricsHost(String host) {
            this.metricsHost = Objects.requireNonNull(host, "metricsHost");
            return this;
        }

        /** The Prometheus endpoint's port. Default: 9091, as APISIX's; 0 picks a free port. */
        public Builder metricsPort(int port) {
            this.metricsPort = port(port, "metricsPort");
            return this;
        }

        /** Whether the Prometheus endpoint listens at all. Default: true (APISIX's export server is on). */
        public Builder metrics(boolean on) {
            this.metrics = on;
            return this;
        }

        /**
         * Where the proxy's access log goes (APISIX's default format, one line per request). Default: standard
         * output, on as APISIX's.
         */
        public Builder accessLog(AccessLogDestination destination) {
            this.accessLog = Objects.requireNonNull(destination, "accessLog");
            return this;
        }

        /**
         * APISIX's {@code apisix.ssl.fallback_sni}: HTTPS clients that send no SNI get the certificate this name
         * would get. Default: none, such clients are refused (no certificate is a better answer than a wrong one).
         */
        public Builder fallbackSni(String name) {
            this.fallbackSni = name == null || name.isBlank() ? null : SniNames.normalize(name);
            return this;
        }

        /**
         * The HTTPS listener's TLS versions and cipher suites. Default: APISIX's, TLS 1.2 and 1.3 with
         * {@link TlsPolicy#APISIX_CIPHERS} (forward secrecy, AEAD only).
         */
        public Builder tlsPolicy(TlsPolicy policy) {
            this.tlsPolicy = Objects.requireNonNull(policy, "tlsPolicy");
            return this;
        }

        /**
         * How long a request's headers may take to arrive, from their first byte (nginx's
         * {@code client_header_timeout}); past it the connection is closed. Default: 60 s.
         */
        public Builder requestHeaderTimeout(Duration timeout) {
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("requestHeaderTimeout (" + timeout + ") must be positive");
            }
            this.requestHeaderTimeout = timeout;
            return this;
        }

        /**
         * Whether HTTPS clients get session tickets after a full handshake. Default: false, as APISIX's
         * {@code ssl_session_tickets: false} (forward secrecy: no ticket key to steal, no session resumed from one).
         */
        public Builder tlsSessionTickets(boolean tickets) {
            this.tlsSessionTickets = tickets;
            return this;
        }

        /**
         * Cluster mode: keep the configuration in this etcd; every node given the same etcd and the same
         * {@link #encryptionKey} shares it. Default: none, the embedded store in the data directory.
         */
        public Builder etcd(EtcdConnection etcd) {
            this.etcd = etcd;
            return this;
        }

        /**
         * Who serves the HTTPS listener's TLS. Default: the JDK. {@link TlsProvider#CONSCRYPT} halves the CPU of a
         * full handshake but differs in a few refusals (see README); {@link TlsProvider#AUTO} takes it where it
         * loads.
         */
        public Builder tlsProvider(TlsProvider provider) {
            this.tlsProvider = Objects.requireNonNull(provider, "tlsProvider");
            return this;
        }

        /** Where the configuration is stored. Default: {@code ./data}. */
        public Builder dataDir(Path dataDir) {
            this.dataDir = Objects.requireNonNull(dataDir, "dataDir");
            return this;
        }

        /**
         * The file holding the key that encrypts secrets at rest; generated there on first start.
         * Default: beside the data directory, {@code <dataDir>.key}, so copying the data alone copies no key.
         */
        public Builder encryptionKeyFile(Path file) {
            this.encryptionKeyFile = file;
            return this;
        }

        /** The encryption key itself, base64 of 32 bytes; overrides the key file. Default: none. */
        public Builder encryptionKey(String key) {
            this.encryptionKey = key;
            return this;
        }

        /** The admin listener's address. Default: 127.0.0.1 (loopback only). */
        public Builder adminHost(String host) {
            this.adminHost = Objects.requireNonNull(host, "adminHost");
            return this;
        }

        /** The admin listener's port. Default: 9180; 0 picks a free port. */
        public Builder adminPort(int port) {
            this.adminPort = port(port, "adminPort");
            return this;
        }

        /** The HTTP listener's address (HTTP/1.1 and h2c). Default: 0.0.0.0. */
        public Builder httpHost(String host) {
            this.httpHost = Objects.requireNonNull(host, "httpHost");
            return this;
        }

        /** The HTTP listener's port. Default: 9080; 0 picks a free port. */
        public Builder httpPort(int port) {
            this.httpPort = port(port, "httpPort");
            return this;
        }

        /** The HTTPS listener's address. Default: 0.0.0.0. */
        public Builder httpsHost(String host) {
            this.httpsHost = Objects.requireNonNull(host, "httpsHost");
            return this;
        }

        /** The HTTPS listener's port. Default: 9443; 0 picks a free port. */
        public Builder httpsPort(int port) {
            this.httpsPort = port(port, "httpsPort");
            return this;
        }

        /** The admin key. Default: generated on first start, stored in the data directory, printed once. */
        public Builder adminKey(String key) {
            this.adminKey = key;
            return this;
        }

        /** A key that may only read (GET). Default: none. */
        public Builder viewerKey(String key) {
            this.viewerKey = key;
            return this;
        }

        /** Development only: loopback callers need no admin key (APISIX quickstart style). Default: false. */
        public Builder adminLoopbackWithoutKey(boolean allow) {
            this.adminLoopbackWithoutKey = allow;
            return this;
        }

        public GatewayConfig build() {
            return new GatewayConfig(this);
        }

        private static int port(int port, String name) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException(name + " (" + port + ") must be between 0 and 65535");
            }
            return port;
        }
    }
}
