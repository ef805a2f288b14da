package io.github.vaultsni.gateway.proxy;

import io.github.vaultsni.gateway.route.Upstream;
import io.github.vaultsni.pem.CertifiedKey;
import io.github.vaultsni.sni.SniEntry;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.UpgradeProtocolHandler;
import org.eclipse.jetty.client.Destination;
import org.eclipse.jetty.client.RandomConnectionPool;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.http.HttpCookieStore;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.io.ssl.SslClientConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.Invocable;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Collection;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/**
 * The HTTP clients the proxy talks to upstreams with, all set up for proxying (no redirects followed, no cookies
 * kept, no content decoded, no {@code User-Agent} of their own): one per TLS verification setting, the shared one
 * (not verified, APISIX's default) and one verifying upstream certificates against the JDK's trust store and host
 * names ({@code tls.verify: true}). Neither holds a client certificate of its own: a request to an upstream with
 * {@code tls.client_cert_id} is tagged with it, so its connections are pooled apart, and the client certificate of
 * each new connection is chosen by a key manager that reads the current {@code type: client} SSL object. A rotated
 * certificate is presented by the next connection, with no new client; a deleted one leaves no client, no thread
 * and no key behind (its connections close as their pool idles them out).
 *
 * <p>A client certificate whose key is kept in Vault Transit (keyless) is signed with in the client's handshake,
 * which then waits on Vault: its upstreams go through two more clients, made on first use, whose I/O runs on pool
 * threads, never a selector's (the door's clients may read responses on the selector).
 */
final class UpstreamClients implements AutoCloseable {
    /** APISIX's default {@code timeout.read}; upstreams with another one set it per request. */
    static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);
    private static final Logger LOG = LoggerFactory.getLogger(UpstreamClients.class);
    private static final int MAX_CONNECTIONS_PER_NODE = 1024;
    /** As many as the server side's: one selector for every upstream connection would serialise their responses. */
    private static final int SELECTORS = Math.max(2, Runtime.getRuntime().availableProcessors() / 2);

    /** What a request to an upstream with a client certificate is tagged with: its connections present it. */
    record ClientCertificateTag(String sslObjectId) {
    }

    private final Executor executor;
    private final ByteBufferPool buffers;
    private final UpstreamClientCertificates certificates;
    private final Scheduler scheduler = new ScheduledExecutorScheduler("gateway-upstream-scheduler", true);
    private final HttpClient unverified;
    private final HttpClient verifying;
    /** The clients for client certificates kept in Vault Transit, unverified and verifying: made on first use. */
    private HttpClient remoteKeyUnverified;
    private HttpClient remoteKeyVerifying;
    private boolean closed;

    /**
     * @param executor       runs the clients' I/O and response callbacks (the door's server thread pool)
     * @param buffers        the clients' buffers: the door's server's pool where the door has one. Each client's
     *                       own would keep only half its executor's threads' worth of buffers per size (8 with 16
     *                       threads), so with more upstream responses in flight than that every further read took
     *                       a new 16 KiB direct buffer, freed only by a GC: 310,000 of them in one benchmark run,
     *                       up to 80 MB of native memory at a time
     * @param invocationType whether the door's response listeners may block ({@code NON_BLOCKING}: they run on
     *                       the thread that read the response)
     * @param certificates   the {@code type: client} SSL objects, read when a connection is opened
     */
    UpstreamClients(Executor executor, ByteBufferPool buffers, Invocable.InvocationType invocationType,
                    UpstreamClientCertificates certificates) {
        this.executor = executor;
        this.buffers = buffers;
        this.certificates = certificates;
        try {
            scheduler.start();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the upstream scheduler", e);
        }
        this.unverified = start(new PresentingTls(false), "unverified", invocationType);
        this.verifying = start(new PresentingTls(true), "verifying", invocationType);
    }

    /** The shared client: no TLS verification. */
    HttpClient shared() {
        return unverified;
    }

    /** The client for this upstream; empty when its client certificate is not available (yet, or any more). */
    Optional<HttpClient> forUpstream(Upstream upstream) {
        Upstream.Tls tls = upstream.tls();
        if (tls.clientCertId() != null) {
            Optional<SniEntry> certificate = certificates.clientCertificate(tls.clientCertId());
            if (certificate.isEmpty()) {
                return Optional.empty();
            }
            if (certificate.get().hasRemoteKey()) {
                return Optional.of(remoteKeyClient(tls.verify()));
            }
        }
        return Optional.of(tls.verify() ? verifying : unverified);
    }

    /** The client for upstreams presenting a certificate whose key is kept in Vault Transit: blocking I/O callbacks. */
    private synchronized HttpClient remoteKeyClient(boolean verify) {
        if (closed) {
            return verify ? verifying : unverified; // stopping: its requests fail with the rest
        }
        if (verify && remoteKeyVerifying == null) {
            remoteKeyVerifying = start(new PresentingTls(true), "keyless-verifying", Invocable.InvocationType.BLOCKING);
        } else if (!verify && remoteKeyUnverified == null) {
            remoteKeyUnverified = start(new PresentingTls(false), "keyless-unverified", Invocable.InvocationType.BLOCKING);
        }
        return verify ? remoteKeyVerifying : remoteKeyUnverified;
    }

    /** Tags {@code request} with its upstream's client certificate, if it has one: its connections present it. */
    static void presentClientCertificate(Request request, Upstream upstream) {
        String id = upstream.tls().clientCertId();
        if (id != null) {
            request.tag(new ClientCertificateTag(id));
        }
    }

    private HttpClient start(SslContextFactory.Client tls, String name, Invocable.InvocationType invocationType) {
        ClientConnector connector = new ClientConnector();
        connector.setExecutor(executor);
        connector.setByteBufferPool(buffers);
        connector.setSelectors(SELECTORS);
        connector.setScheduler(scheduler);
        connector.setSslContextFactory(tls);
        HttpClientTransportOverHTTP transport = new HttpClientTransportOverHTTP(connector);
        transport.setInvocationType(invocationType);
        // Jetty's default pool looks for an idle connection from the first one on, stepping over every busy one:
        // 14 % of the proxy's CPU samples with 64 to 320 requests in flight (JFR); from a random start, 10 %.
        transport.setConnectionPoolFactory(
                destination -> new RandomConnectionPool(destination, MAX_CONNECTIONS_PER_NODE, 1));
        HttpClient client = new HttpClient(transport);
        client.setExecutor(executor);
        client.setScheduler(scheduler);
        client.setFollowRedirects(false);
        client.setHttpCookieStore(new HttpCookieStore.Empty());
        client.setUserAgentField(null);
        client.setMaxConnectionsPerDestination(MAX_CONNECTIONS_PER_NODE);
        // The client's headers as they came, plus Via, Forwarded and the X-Forwarded-* it adds: never too large for
        // the upstream request (they were a 502 once; the listener answers 431 past its own limit).
        client.setRequestBufferSize(2 * Forwarder.MAX_REQUEST_HEADER_BYTES);
        client.setIdleTimeout(DEFAULT_IDLE_TIMEOUT.toMillis());
        try {
            client.start();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the upstream client " + name, e);
        }
        // A proxy passes bodies and 1xx answers as they are: no decoding, no redirects, no authentication.
        client.getContentDecoderFactories().clear();
        client.getProtocolHandlers().clear();
        // but a 101: a WebSocket handshake's (WebSocketTunnel) is handed to its upgrader; any other fails (502)
        client.getProtocolHandlers().put(new UpgradeProtocolHandler());
        return client;
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            stop(remoteKeyVerifying);
            stop(remoteKeyUnverified);
        }
        stop(verifying);
        stop(unverified);
        try {
            scheduler.stop();
        } catch (Exception e) {
            LOG.debug("stopping the upstream scheduler: {}", e.toString());
        }
    }

    private static void stop(HttpClient client) {
        if (client == null) {
            return;
        }
        try {
            client.stop();
        } catch (Exception e) {
            LOG.debug("stopping an upstream client: {}", e.toString());
        }
    }

    /**
     * TLS to upstreams, verifying their certificates and host names against the JDK's trust store, or not at all
     * ({@code tls.verify: false}, APISIX's default: then Jetty's start-up warnings about trusting all certificates,
     * two lines at every start whether or not an upstream uses TLS, are left out, as it is the upstream's own
     * setting). A connection of a destination tagged with a client certificate gets its engine from that certificate's
     * own {@link SSLContext}, whose key manager presents the SSL object's current certificate: its TLS sessions, kept
     * per context, are never resumed by a connection presenting another certificate, or none. Those contexts hold no
     * key (the key manager reads the registry at each handshake) and go once their SSL object is gone.
     */
    private final class PresentingTls extends SslContextFactory.Client implements SslClientConnectionFactory.SslEngineFactory {
        private final boolean verify;
        private final Map<String, SSLContext> presenting = new ConcurrentHashMap<>();

        PresentingTls(boolean verify) {
            super(!verify);
            this.verify = verify;
            if (!verify) {
                setEndpointIdentificationAlgorithm(null);
            }
        }

        @Override
        public SSLEngine newSslEngine(String host, int port, Map<String, Object> context) {
            if (context.get(Destination.CONTEXT_KEY) instanceof Destination destination
                    && destination.getOrigin().getTag() instanceof ClientCertificateTag tag) {
                // One context per certificate generation: a rotated certificate never resumes the old one's sessions.
                presenting.keySet().removeIf(key -> !key.equals(current(key.substring(0, key.lastIndexOf('@')))));
                String key = current(tag.sslObjectId());
                if (key == null) { // gone since the request was let through: fail it, never connect without it
                    throw new IllegalStateException("client certificate " + tag.sslObjectId() + " is not available");
                }
                SSLEngine engine = presenting.computeIfAbsent(key, this::presentingContext).createSSLEngine(host, port);
                customize(engine);
                return engine;
            }
            return newSSLEngine(host, port);
        }

        /** {@code <id>@<generation>} of the SSL object's current certificate, or null while it has none. */
        private String current(String sslObjectId) {
            return certificates.clientCertificate(sslObjectId).map(e -> sslObjectId + "@" + e.generation()).orElse(null);
        }

        /** A context of this factory's settings whose key manager presents that certificate ({@code <id>@<generation>}). */
        private SSLContext presentingContext(String key) {
            try {
                SSLContext context = SSLContext.getInstance("TLS");
                context.init(new KeyManager[]{new CurrentClientCertificate(key.substring(0, key.lastIndexOf('@')))},
                        verify ? null : SslContextFactory.TRUST_ALL_CERTS, null);
                return context;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("cannot make a TLS context for client certificate " + key, e);
            }
        }

        @Override
        protected TrustManager[] getTrustManagers(KeyStore trustStore, Collection<? extends CRL> crls) throws Exception {
            return verify ? super.getTrustManagers(trustStore, crls) : SslContextFactory.TRUST_ALL_CERTS;
        }

        @Override
        protected void checkTrustAll() {
        }

        @Override
        protected void checkEndPointIdentificationAlgorithm() {
        }
    }

    /** One SSL object's current certificate, by an alias that names its generation. */
    private final class CurrentClientCertificate extends X509ExtendedKeyManager {
        private final String sslObjectId;

        CurrentClientCertificate(String sslObjectId) {
            this.sslObjectId = sslObjectId;
        }

        @Override
        public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
            SniEntry entry = certificates.clientCertificate(sslObjectId).orElse(null);
            if (entry == null) {
                return null;
            }
            String keyType = entry.keys().get(0).keyType();
            return Arrays.asList(keyTypes).contains(keyType) ? sslObjectId + "@" + entry.generation() : null;
        }

        /** The current certificate, unless it was rotated since the alias was chosen (then none: never a mixed pair). */
        private CertifiedKey key(String alias) {
            SniEntry entry = certificates.clientCertificate(sslObjectId).orElse(null);
            return entry != null && (sslObjectId + "@" + entry.generation()).equals(alias) ? entry.keys().get(0) : null;
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            CertifiedKey key = key(alias);
            return key == null ? null : key.chain().toArray(X509Certificate[]::new);
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            CertifiedKey key = key(alias);
            return key == null ? null : key.privateKey();
        }

        @Override
        public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
            return null;
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return null;
        }
    }
}
