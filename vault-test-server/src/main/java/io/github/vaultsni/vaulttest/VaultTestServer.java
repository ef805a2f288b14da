package io.github.vaultsni.vaulttest;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * An in-memory HTTP server that answers as HashiCorp Vault 1.13 does, for tests and for trying the examples
 * where no real Vault is at hand. It is held to real Vault by a shared contract suite; it stores nothing on
 * disk and is not for production.
 *
 * <p>What it serves is set up through Vault's own HTTP API (enable a mount with {@code POST /v1/sys/mounts/kv},
 * write a policy with {@code PUT /v1/sys/policies/acl/name}, create a token with {@code POST
 * /v1/auth/token/create}, ...), so the same setup code works against a real Vault. Only what Vault has no API
 * for is a Java method here: injected latency and failures, going unreachable, the request log and the clock.
 *
 * <p>Defaults: binds 127.0.0.1 on a free port; root token {@code root}; dev mounts ({@code secret/} as KV v2)
 * on; the system clock.
 */
public final class VaultTestServer implements AutoCloseable {
    private final VaultApi api;
    private final Clock clock;
    private final InetAddress bindAddress;
    private final String rootToken;
    private final String unsealKey;
    private final List<RecordedRequest> requestLog = new CopyOnWriteArrayList<>();
    private final AtomicInteger failuresLeft = new AtomicInteger();
    private volatile int failureStatus = 500;
    private volatile Predicate<String> failurePaths = p -> true;
    private volatile Duration latency = Duration.ZERO;
    private volatile HttpServer server;
    private volatile ExecutorService executor;
    private final SSLContext tls;
    private int port;

    private VaultTestServer(Builder builder) {
        this.tls = builder.tls;
        this.clock = builder.clock;
        this.bindAddress = builder.bindAddress;
        this.rootToken = builder.rootToken;
        this.port = builder.port;
        this.unsealKey = Base64.getEncoder().encodeToString(new SecureRandom().generateSeed(32));
        this.api = new VaultApi(builder.clock, builder.rootToken, unsealKey, builder.devMounts);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Starts a server with the defaults. */
    public static VaultTestServer start() {
        return builder().start();
    }

    /** {@code http://127.0.0.1:<port>}, or {@code https://...} when serving TLS. */
    public String address() {
        String host = bindAddress.getHostAddress();
        return (tls == null ? "http://" : "https://") + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    public int port() {
        return port;
    }

    public String rootToken() {
        return rootToken;
    }

    /** The key that {@code PUT /v1/sys/unseal} takes, as dev mode prints it. */
    public String unsealKey() {
        return unsealKey;
    }

    /** Seals the server: every request but health and seal status answers 503 "Vault is sealed". */
    public void seal() {
        api.seal(true);
    }

    public void unseal() {
        api.seal(false);
    }

    /** Waits this long before answering each request (0: none). */
    public void injectLatency(Duration latency) {
        this.latency = Objects.requireNonNull(latency);
    }

    /** The next {@code count} requests answer {@code status} with Vault's internal-error body. */
    public void failNext(int count, int status) {
        failNext(count, status, p -> true);
    }

    /** The next {@code count} requests whose path matches answer {@code status} with an error body. */
    public void failNext(int count, int status, Predicate<String> paths) {
        this.failureStatus = status;
        this.failurePaths = paths;
        this.failuresLeft.set(count);
    }

    /**
     * Closes the listening socket ({@code false}): connections are refused, as when Vault is down. {@code true}
     * listens again on the same port with all state kept.
     */
    public synchronized void setReachable(boolean reachable) {
        if (reachable && server == null) {
            listen();
        } else if (!reachable && server != null) {
            stopListening();
        }
    }

    /** Every request received so far, oldest first. */
    public List<RecordedRequest> requests() {
        return List.copyOf(requestLog);
    }

    /** How many requests had this method and path (e.g. {@code "GET", "/v1/kv/apisix/ssl"}). */
    public long count(String method, String path) {
        return requestLog.stream().filter(r -> r.method().equals(method) && r.path().equals(path)).count();
    }

    public void clearRequests() {
        requestLog.clear();
    }

    @Override
    public synchronized void close() {
        stopListening();
    }

    private synchronized VaultTestServer listen() {
        // The JDK server writes headers and body apart; with Nagle on, each answer waits out the client's
        // delayed ACK (~40 ms). Read once, when the server classes load.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
        try {
            HttpServer s;
            if (tls != null) {
                HttpsServer https = HttpsServer.create(new InetSocketAddress(bindAddress, port), 128);
                https.setHttpsConfigurator(new HttpsConfigurator(tls) {
                    @Override
                    public void configure(HttpsParameters parameters) {
                        // As Vault's listener (tls.RequestClientCert): a client certificate is asked for, not
                        // required; the cert auth method checks it.
                        SSLParameters ssl = tls.getDefaultSSLParameters();
                        ssl.setWantClientAuth(true);
                        parameters.setSSLParameters(ssl);
                    }
                });
                s = https;
            } else {
                s = HttpServer.create(new InetSocketAddress(bindAddress, port), 128);
            }
            executor = Executors.newFixedThreadPool(16, r -> {
                Thread t = new Thread(r, "vault-test-server");
                t.setDaemon(true);
                return t;
            });
            s.setExecutor(executor);
            s.createContext("/", this::exchange);
            s.start();
            port = s.getAddress().getPort();
            server = s;
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + bindAddress.getHostAddress() + ":" + port, e);
        }
    }

    private void stopListening() {
        if (server != null) {
            server.stop(0);
            executor.shutdownNow();
            server = null;
        }
    }

    private void exchange(HttpExchange exchange) throws IOException {
        try (exchange; InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readAllBytes();
            Reply reply = answer(exchange, body);
            URI uri = exchange.getRequestURI();
            // Logged before answering: a client that has its answer can count on finding its request here.
            requestLog.add(new RecordedRequest(exchange.getRequestMethod(), uri.getRawPath(), uri.getRawQuery(),
                    exchange.getRequestHeaders().getFirst("X-Vault-Namespace"), token(exchange) != null,
                    reply.status(), clock.instant(), new String(body, java.nio.charset.StandardCharsets.UTF_8)));
            send(exchange, reply);
        }
    }

    private Reply answer(HttpExchange exchange, byte[] body) {
        sleep(latency);
        String path = exchange.getRequestURI().getRawPath();
        if (failuresLeft.get() > 0 && failurePaths.test(path) && failuresLeft.getAndDecrement() > 0) {
            return Reply.error(new VaultError(failureStatus, "1 error occurred:\n\t* injected failure\n\n"));
        }
        if (!path.startsWith("/v1/")) {
            return Reply.error(VaultError.notFound());
        }
        try {
            Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
            Operation op = operation(exchange.getRequestMethod(), query);
            String apiPath = URLDecoder.decode(path.substring(4), StandardCharsets.UTF_8);
            VaultRequest request = new VaultRequest(exchange.getRequestMethod(), op, apiPath, query,
                    Json.parseObject(body), exchange.getRequestHeaders().getFirst("Content-Type"), token(exchange),
                    exchange.getRequestHeaders().getFirst("X-Vault-Namespace"), peerCertificates(exchange));
            return api.handle(request);
        } catch (VaultError e) {
            return Reply.error(e);
        }
    }

    private static Operation operation(String method, Map<String, String> query) {
        String list = query.get("list");
        if (method.equals("GET") && list != null) {
            return switch (list) {
                case "1", "t", "T", "true", "TRUE", "True" -> Operation.LIST;
                case "0", "f", "F", "false", "FALSE", "False" -> Operation.READ;
                default -> throw new VaultError(400);
            };
        }
        return switch (method) {
            case "GET", "HEAD" -> Operation.READ;
            case "LIST" -> Operation.LIST;
            case "POST", "PUT" -> Operation.UPDATE;
            case "DELETE" -> Operation.DELETE;
            case "PATCH" -> Operation.PATCH;
            default -> throw new VaultError(405);
        };
    }

    /** The client's certificate chain over TLS (empty when it sent none); null over plain HTTP. */
    private static List<X509Certificate> peerCertificates(HttpExchange exchange) {
        if (!(exchange instanceof HttpsExchange https)) {
            return null;
        }
        try {
            return Arrays.stream(https.getSSLSession().getPeerCertificates()).map(X509Certificate.class::cast).toList();
        } catch (SSLPeerUnverifiedException none) {
            return List.of();
        }
    }

    private static String token(HttpExchange exchange) {
        String token = exchange.getRequestHeaders().getFirst("X-Vault-Token");
        if (token == null) {
            String auth = exchange.getRequestHeaders().getFirst("Authorization");
            if (auth != null && auth.startsWith("Bearer ")) {
                token = auth.substring(7).trim();
            }
        }
        return token;
    }

    private static void send(HttpExchange exchange, Reply reply) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        if (reply.body() == null) {
            exchange.sendResponseHeaders(reply.status(), -1);
            return;
        }
        byte[] json;
        if (reply.body() instanceof Reply.Raw raw) {
            exchange.getResponseHeaders().set("Content-Type", raw.contentType());
            json = raw.bytes();
        } else {
            json = Json.write(reply.body());
        }
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(reply.status(), head ? -1 : json.length);
        if (!head) {
            exchange.getResponseBody().write(json);
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> query = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return query;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            query.put(key, value);
        }
        return query;
    }

    private static void sleep(Duration d) {
        if (d.isZero()) {
            return;
        }
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Settings for a {@link VaultTestServer}; every one has a default, stated on its setter. */
    public static final class Builder {
        private Clock clock = Clock.systemUTC();
        private InetAddress bindAddress = InetAddress.getLoopbackAddress();
        private int port;
        private String rootToken = "root";
        private boolean devMounts = true;
        private SSLContext tls;

        /** The clock for token expiry and timestamps. Default: the system clock (UTC). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** The TCP port. Default: 0, a free port chosen at start. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port (" + port + ") must be between 0 and 65535");
            }
            this.port = port;
            return this;
        }

        /** The address to bind. Default: the loopback address (127.0.0.1). */
        public Builder bindAddress(InetAddress address) {
            this.bindAddress = Objects.requireNonNull(address, "bindAddress");
            return this;
        }

        /** The root token's id, as {@code VAULT_DEV_ROOT_TOKEN_ID}. Default: {@code root}. */
        public Builder rootToken(String rootToken) {
            if (rootToken == null || rootToken.isBlank()) {
                throw new IllegalArgumentException("rootToken must not be empty");
            }
            this.rootToken = rootToken;
            return this;
        }

        /** Whether to mount KV v2 at {@code secret/} as {@code vault server -dev} does. Default: true. */
        public Builder devMounts(boolean devMounts) {
            this.devMounts = devMounts;
            return this;
        }

        /**
         * Serve HTTPS with this context (e.g. {@link SelfSignedTls#serverContext()}). Clients are asked for a
         * certificate, as Vault's listener asks, for the cert auth method; the context's trust managers must let any
         * through (SelfSignedTls's do). Default: plain HTTP.
         */
        public Builder tls(SSLContext context) {
            this.tls = context;
            return this;
        }

        public VaultTestServer start() {
            return new VaultTestServer(this).listen();
        }
    }
}
