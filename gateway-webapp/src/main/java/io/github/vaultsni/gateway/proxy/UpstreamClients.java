package io.github.vaultsni.gateway.proxy;

import io.github.vaultsni.gateway.route.Upstream;
import io.github.vaultsni.pem.CertifiedKey;
import io.github.vaultsni.sni.SniEntry;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.RandomConnectionPool;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.http.HttpCookieStore;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.Invocable;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP clients the proxy talks to upstreams with, all set up for proxying (no redirects followed, no cookies
 * kept, no content decoded, no {@code User-Agent} of their own): the shared one (TLS not verified, APISIX's
 * default), one that verifies upstream certificates against the JDK's trust store and host names
 * ({@code tls.verify: true}), and one per client certificate ({@code tls.client_cert_id}) and generation, so a
 * rotated client certificate gets a fresh client while requests in flight finish on the old one, which is
 * stopped {@link #RETIREMENT_GRACE} later on the scheduler.
 */
final class UpstreamClients implements AutoCloseable {
    /** How long a client replaced by a newer certificate generation keeps serving the requests it has. */
    static final Duration RETIREMENT_GRACE = Duration.ofSeconds(60);
    /** APISIX's default {@code timeout.read}; upstreams with another one set it per request. */
    static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);
    private static final Logger LOG = LoggerFactory.getLogger(UpstreamClients.class);
    private static final int MAX_CONNECTIONS_PER_NODE = 1024;
    /** As many as the server side's: one selector for every upstream connection would serialise their responses. */
    private static final int SELECTORS = Math.max(2, Runtime.getRuntime().availableProcessors() / 2);

    private record Key(String certificateId, long generation, boolean verify) {
    }

    private record Retiring(HttpClient client, Instant stopAt) {
    }

    private final Executor executor;
    private final Invocable.InvocationType invocationType;
    private final Clock clock;
    private final UpstreamClientCertificates certificates;
    private final Scheduler scheduler = new ScheduledExecutorScheduler("gateway-upstream-scheduler", true);
    private final HttpClient shared;
    private final Map<Key, HttpClient> clients = new ConcurrentHashMap<>();
    private final Queue<Retiring> retiring = new ConcurrentLinkedQueue<>();

    /**
     * @param executor       runs the clients' I/O and response callbacks (the door's server thread pool)
     * @param invocationType whether the door's response listeners may block ({@code NON_BLOCKING}: they run on
     *                       the thread that read the response)
     */
    UpstreamClients(Executor executor, Invocable.InvocationType invocationType, Clock clock,
                    UpstreamClientCertificates certificates) {
        this.executor = executor;
        this.invocationType = invocationType;
        this.clock = clock;
        this.certificates = certificates;
        try {
            scheduler.start();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the upstream scheduler", e);
        }
        this.shared = start(new UnverifiedUpstreamTls(), "shared");
    }

    /** The shared client: no TLS verification, no client certificate. */
    HttpClient shared() {
        return shared;
    }

    /** The client for this upstream; empty when its client certificate is not available (yet). */
    Optional<HttpClient> forUpstream(Upstream upstream) {
        Upstream.Tls tls = upstream.tls();
        if (tls.clientCertId() == null) {
            return Optional.of(tls.verify() ? client(new Key(null, 0, true), null) : shared);
        }
        return certificates.clientCertificate(tls.clientCertId())
                .map(entry -> client(new Key(entry.id(), entry.generation(), tls.verify()), entry));
    }

    private HttpClient client(Key key, SniEntry certificate) {
        HttpClient client = clients.get(key);
        return client != null ? client : create(key, certificate);
    }

    private synchronized HttpClient create(Key key, SniEntry certificate) {
        HttpClient existing = clients.get(key);
        if (existing != null) {
            return existing;
        }
        HttpClient client = start(tls(key, certificate), key.certificateId() == null ? "verifying" : key.certificateId());
        clients.put(key, client);
        retireOlderGenerations(key);
        return client;
    }

    private static SslContextFactory.Client tls(Key key, SniEntry certificate) {
        SslContextFactory.Client tls = key.verify() ? new SslContextFactory.Client() : new UnverifiedUpstreamTls();
        if (certificate != null) {
            try {
                CertifiedKey certified = certificate.keys().get(0);
                KeyStore keys = KeyStore.getInstance("PKCS12");
                keys.load(null, null);
                keys.setKeyEntry("client", certified.privateKey(), new char[0],
                        certified.chain().toArray(X509Certificate[]::new));
                tls.setKeyStore(keys);
                tls.setKeyStorePassword("");
            } catch (Exception e) {
                throw new IllegalStateException("cannot hold client certificate " + key.certificateId(), e);
            }
        }
        return tls;
    }

    private HttpClient start(SslContextFactory.Client tls, String name) {
        ClientConnector connector = new ClientConnector();
        connector.setExecutor(executor);
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
        return client;
    }

    /** A newer generation of a client certificate replaces the older ones' clients, stopped after the grace. */
    private void retireOlderGenerations(Key newer) {
        if (newer.certificateId() == null) {
            return;
        }
        Instant stopAt = clock.instant().plus(RETIREMENT_GRACE);
        for (Iterator<Map.Entry<Key, HttpClient>> it = clients.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Key, HttpClient> entry = it.next();
            Key k = entry.getKey();
            if (newer.certificateId().equals(k.certificateId()) && k.generation() < newer.generation()) {
                it.remove();
                retiring.add(new Retiring(entry.getValue(), stopAt));
                scheduler.schedule(this::stopRetired, RETIREMENT_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
    }

    /** Stops the retired clients whose grace has passed by the clock; the others wait for their own turn. */
    void stopRetired() {
        Instant now = clock.instant();
        retiring.removeIf(r -> {
            if (r.stopAt().isAfter(now)) {
                return false;
            }
            stop(r.client());
            return true;
        });
    }

    /** Clients alive now: the shared one, those made on demand, and the retired ones not yet stopped. */
    int liveClients() {
        return 1 + clients.size() + retiring.size();
    }

    @Override
    public void close() {
        clients.values().forEach(UpstreamClients::stop);
        clients.clear();
        retiring.forEach(r -> stop(r.client()));
        retiring.clear();
        stop(shared);
        try {
            scheduler.stop();
        } catch (Exception e) {
            LOG.debug("stopping the upstream scheduler: {}", e.toString());
        }
    }

    private static void stop(HttpClient client) {
        try {
            client.stop();
        } catch (Exception e) {
            LOG.debug("stopping an upstream client: {}", e.toString());
        }
    }
}
