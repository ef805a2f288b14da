package io.github.vaultsni.gateway.main;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.vaultsni.gateway.Gateway;
import io.github.vaultsni.gateway.GatewayConfig;
import io.github.vaultsni.gateway.accesslog.AccessLogDestination;
import io.github.vaultsni.gateway.metrics.GatewayMetrics;
import io.github.vaultsni.gateway.listener.TlsPolicy;
import io.github.vaultsni.gateway.store.EtcdConnection;
import io.github.vaultsni.tls.TlsProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;

/**
 * {@code java -jar gateway.jar [options]}: the gateway with embedded Jetty. Every option can also be given as an
 * environment variable or in a JSON config file ({@code --config}); a flag beats the environment, which beats
 * the file. Stops cleanly on SIGTERM.
 */
public final class GatewayMain {
    private static final Logger LOG = LoggerFactory.getLogger(GatewayMain.class);

    /** name -> (environment variable, config-file key, description). */
    private record Option(String env, String fileKey, String description) {
    }

    private static final Map<String, Option> OPTIONS = new LinkedHashMap<>();

    static {
        OPTIONS.put("--config", new Option("GATEWAY_CONFIG", null, "JSON file with any of the settings below (keys in snake_case)"));
        OPTIONS.put("--data-dir", new Option("GATEWAY_DATA_DIR", "data_dir", "configuration store directory (default ./data)"));
        OPTIONS.put("--admin-key", new Option("GATEWAY_ADMIN_KEY", "admin_key", "admin API key (default: generated on first start, stored in the data dir); prefer the env var: a flag shows in the process list"));
        OPTIONS.put("--viewer-key", new Option("GATEWAY_VIEWER_KEY", "viewer_key", "read-only admin API key (default none); prefer the env var"));
        OPTIONS.put("--http-port", new Option("GATEWAY_HTTP_PORT", "http_port", "HTTP listener port, HTTP/1.1 and h2c (default 9080)"));
        OPTIONS.put("--https-port", new Option("GATEWAY_HTTPS_PORT", "https_port", "HTTPS listener port, ALPN h2 and http/1.1 (default 9443)"));
        OPTIONS.put("--admin-port", new Option("GATEWAY_ADMIN_PORT", "admin_port", "admin API port (default 9180)"));
        OPTIONS.put("--http-host", new Option("GATEWAY_HTTP_HOST", "http_host", "HTTP listener address (default 0.0.0.0)"));
        OPTIONS.put("--https-host", new Option("GATEWAY_HTTPS_HOST", "https_host", "HTTPS listener address (default 0.0.0.0)"));
        OPTIONS.put("--admin-host", new Option("GATEWAY_ADMIN_HOST", "admin_host", "admin API address (default 127.0.0.1)"));
        OPTIONS.put("--encryption-key-file", new Option("GATEWAY_ENCRYPTION_KEY_FILE", "encryption_key_file", "key for secrets at rest (default <data-dir>.key, generated)"));
        OPTIONS.put("--etcd-endpoints", new Option("GATEWAY_ETCD_ENDPOINTS", "etcd_endpoints", "cluster mode: etcd client URLs, comma-separated (default: the embedded store)"));
        OPTIONS.put("--etcd-prefix", new Option("GATEWAY_ETCD_PREFIX", "etcd_prefix", "put before APISIX's keys in etcd (default none: /apisix/...)"));
        OPTIONS.put("--etcd-user", new Option("GATEWAY_ETCD_USER", "etcd_user", "etcd user, when etcd's auth is on"));
        OPTIONS.put("--etcd-password", new Option("GATEWAY_ETCD_PASSWORD", "etcd_password", "that user's password (prefer the env var)"));
        OPTIONS.put("--etcd-ca", new Option("GATEWAY_ETCD_CA", "etcd_ca", "PEM file of the CA that signed etcd's certificate (https endpoints)"));
        OPTIONS.put("--etcd-cert", new Option("GATEWAY_ETCD_CERT", "etcd_cert", "PEM client certificate, when etcd asks for one"));
        OPTIONS.put("--etcd-key", new Option("GATEWAY_ETCD_KEY", "etcd_key", "PEM (PKCS#8) key of that client certificate"));
        OPTIONS.put("--encryption-key", new Option("GATEWAY_ENCRYPTION_KEY", "encryption_key", "base64 of 32 bytes; the cluster's shared key for secrets at rest (prefer the env var)"));
        OPTIONS.put("--tls-provider", new Option("GATEWAY_TLS_PROVIDER", "tls_provider", "auto (default: Conscrypt where its native library loads, else the JDK), conscrypt or jdk: who serves HTTPS handshakes"));
        OPTIONS.put("--tls-protocols", new Option("GATEWAY_TLS_PROTOCOLS", "tls_protocols", "HTTPS TLS versions, space-separated (default APISIX's: TLSv1.2 TLSv1.3)"));
        OPTIONS.put("--tls-ciphers", new Option("GATEWAY_TLS_CIPHERS", "tls_ciphers", "TLS 1.2 cipher suites, OpenSSL names colon-separated (default APISIX's ssl_ciphers); TLS 1.3's are always on"));
        OPTIONS.put("--request-header-timeout", new Option("GATEWAY_REQUEST_HEADER_TIMEOUT", "request_header_timeout", "seconds a request's headers may take to arrive (default 60, as nginx's client_header_timeout)"));
        OPTIONS.put("--fallback-sni", new Option("GATEWAY_FALLBACK_SNI", "fallback_sni", "HTTPS clients that send no SNI get this name's certificate, as APISIX's apisix.ssl.fallback_sni (default none: refused)"));
        OPTIONS.put("--tls-session-tickets", new Option("GATEWAY_TLS_SESSION_TICKETS", "tls_session_tickets", "true: HTTPS clients get session tickets (default false, as APISIX's ssl_session_tickets)"));
        OPTIONS.put("--metrics-port", new Option("GATEWAY_METRICS_PORT", "metrics_port", "Prometheus endpoint port, " + GatewayMetrics.PATH + " (default 9091, as APISIX's; 0: off)"));
        OPTIONS.put("--metrics-host", new Option("GATEWAY_METRICS_HOST", "metrics_host", "Prometheus endpoint address (default 127.0.0.1)"));
        OPTIONS.put("--access-log", new Option("GATEWAY_ACCESS_LOG", "access_log", "access log in APISIX's format: a FILE, - for standard output (default), or off"));
        OPTIONS.put("--dev-admin-loopback-without-key", new Option("GATEWAY_DEV_ADMIN_LOOPBACK_WITHOUT_KEY", "dev_admin_loopback_without_key", "true: loopback callers need no admin key (development only)"));
    }

    private GatewayMain() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> flags = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--help") || arg.equals("-h")) {
                System.out.println(help());
                return;
            }
            String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
            if (!OPTIONS.containsKey(name)) {
                System.err.println("unknown option " + name + "\n\n" + help());
                System.exit(2);
            }
            if (arg.contains("=")) {
                flags.put(name, arg.substring(arg.indexOf('=') + 1));
            } else if (i + 1 < args.length) {
                flags.put(name, args[++i]);
            } else {
                System.err.println("option " + name + " needs a value");
                System.exit(2);
            }
        }
        GatewayConfig config;
        try {
            config = config(flags, System::getenv);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        for (String secret : List.of("--admin-key", "--viewer-key", "--encryption-key", "--etcd-password")) {
            if (flags.containsKey(secret)) {
                LOG.warn("{} given on the command line, where every local user can read it (ps, /proc/<pid>/cmdline); "
                        + "prefer the environment variable {}", secret, OPTIONS.get(secret).env());
            }
        }
        Gateway gateway = Gateway.start(config);
        LOG.info("admin API listening on http://{}:{}/apisix/admin", config.adminHost(), gateway.adminPort());
        LOG.info("HTTP listening on {}:{} (HTTP/1.1, h2c)", config.httpHost(), gateway.httpPort());
        LOG.info("HTTPS listening on {}:{} (ALPN h2, http/1.1; certificates by SNI; TLS by {})", config.httpsHost(),
                gateway.httpsPort(), gateway.tlsProvider() == TlsProvider.JDK ? "the JDK" : "Conscrypt");
        if (config.metrics()) {
            LOG.info("metrics on http://{}:{}{}", config.metricsHost(), gateway.metricsPort(), GatewayMetrics.PATH);
        }
        LOG.info("certificates page on http://{}:{}/ui/; access log: {}", config.adminHost(), gateway.adminPort(),
                config.accessLog().isOff() ? "off" : config.accessLog().file().map(Path::toString).orElse("standard output"));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("stopping");
            gateway.close();
            stopped.countDown();
        }, "gateway-shutdown"));
        stopped.await();
    }

    /** The JSON config file's settings, or null without one. */
    private static JsonNode configFile(String path) {
        if (path == null) {
            return null;
        }
        try {
            return new ObjectMapper().readTree(Files.readString(Path.of(path)));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read config file " + path + ": " + e.getMessage());
        }
    }

    /** The etcd connection: endpoints (comma-separated) and the other --etcd-* settings. */
    private static EtcdConnection etcd(String endpoints, Function<String, String> setting) {
        EtcdConnection etcd = EtcdConnection.of(Arrays.stream(endpoints.split(",")).map(String::trim)
                .filter(e -> !e.isEmpty()).toList(), setting.apply("--etcd-prefix"));
        if (setting.apply("--etcd-user") != null || setting.apply("--etcd-password") != null) {
            etcd = etcd.withUser(setting.apply("--etcd-user"), setting.apply("--etcd-password"));
        }
        return etcd.withTls(path(setting.apply("--etcd-ca")), path(setting.apply("--etcd-cert")),
                path(setting.apply("--etcd-key")));
    }

    private static Path path(String value) {
        return value == null ? null : Path.of(value);
    }

    /** Settings from flags, then the environment, then the config file. */
    static GatewayConfig config(Map<String, String> flags, Function<String, String> environment) throws IOException {
        JsonNode file = configFile(value("--config", flags, environment, null));
        GatewayConfig.Builder b = GatewayConfig.builder();
        String v;
        if ((v = value("--data-dir", flags, environment, file)) != null) {
            b.dataDir(Path.of(v));
        }
        if ((v = value("--encryption-key-file", flags, environment, file)) != null) {
            b.encryptionKeyFile(Path.of(v));
        }
        if ((v = value("--etcd-endpoints", flags, environment, file)) != null) {
            b.etcd(etcd(v, name -> value(name, flags, environment, file)));
        }
        b.encryptionKey(value("--encryption-key", flags, environment, file));
        if ((v = value("--tls-provider", flags, environment, file)) != null) {
            b.tlsProvider(TlsProvider.parse(v));
        }
        b.adminKey(value("--admin-key", flags, environment, file));
        b.viewerKey(value("--viewer-key", flags, environment, file));
        if ((v = value("--http-port", flags, environment, file)) != null) {
            b.httpPort(port(v, "--http-port"));
        }
        if ((v = value("--https-port", flags, environment, file)) != null) {
            b.httpsPort(port(v, "--https-port"));
        }
        if ((v = value("--admin-port", flags, environment, file)) != null) {
            b.adminPort(port(v, "--admin-port"));
        }
        if ((v = value("--http-host", flags, environment, file)) != null) {
            b.httpHost(v);
        }
        if ((v = value("--https-host", flags, environment, file)) != null) {
            b.httpsHost(v);
        }
        if ((v = value("--admin-host", flags, environment, file)) != null) {
            b.adminHost(v);
        }
        String protocols = value("--tls-protocols", flags, environment, file);
        String ciphers = value("--tls-ciphers", flags, environment, file);
        if (protocols != null || ciphers != null) {
            b.tlsPolicy(TlsPolicy.of(protocols != null ? protocols : TlsPolicy.APISIX_PROTOCOLS,
                    ciphers != null ? ciphers : TlsPolicy.APISIX_CIPHERS));
        }
        if ((v = value("--request-header-timeout", flags, environment, file)) != null) {
            b.requestHeaderTimeout(seconds(v, "--request-header-timeout"));
        }
        if ((v = value("--fallback-sni", flags, environment, file)) != null) {
            b.fallbackSni(v);
        }
        if ((v = value("--tls-session-tickets", flags, environment, file)) != null) {
            b.tlsSessionTickets(bool(v, "--tls-session-tickets"));
        }
        if ((v = value("--metrics-port", flags, environment, file)) != null) {
            int port = port(v, "--metrics-port");
            if (port == 0) {
                b.metrics(false);
            } else {
                b.metricsPort(port);
            }
        }
        if ((v = value("--metrics-host", flags, environment, file)) != null) {
            b.metricsHost(v);
        }
        if ((v = value("--access-log", flags, environment, file)) != null) {
            b.accessLog(AccessLogDestination.parse(v));
        }
        b.adminLoopbackWithoutKey(Boolean.parseBoolean(value("--dev-admin-loopback-without-key", flags, environment, file)));
        return b.build();
    }

    private static String value(String flag, Map<String, String> flags, Function<String, String> environment, JsonNode file) {
        if (flags.containsKey(flag)) {
            return flags.get(flag);
        }
        Option option = OPTIONS.get(flag);
        String fromEnv = environment.apply(option.env());
        if (fromEnv != null && !fromEnv.isEmpty()) {
            return fromEnv;
        }
        JsonNode fromFile = file == null || option.fileKey() == null ? null : file.get(option.fileKey());
        return fromFile == null || fromFile.isNull() ? null : fromFile.asText();
    }

    private static Duration seconds(String text, String flag) {
        try {
            return Duration.ofMillis(Math.round(Double.parseDouble(text.trim()) * 1000));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " (" + text + ") must be a number of seconds");
        }
    }

    private static boolean bool(String text, String flag) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(flag + " (" + text + ") must be true or false");
        };
    }

    private static int port(String text, String flag) {
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " (" + text + ") must be a port number");
        }
    }

    static String help() {
        StringBuilder out = new StringBuilder("usage: java -jar gateway.jar [options]\n\n");
        OPTIONS.forEach((name, o) -> out.append(String.format("  %-34s %s%n  %-34s   env %s%n", name + " VALUE",
                o.description(), "", o.env())));
        return out.toString();
    }
}
