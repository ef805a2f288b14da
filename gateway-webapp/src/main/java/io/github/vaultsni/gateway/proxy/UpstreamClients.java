package io.github.vaultsni.gateway.proxy;

import io.github.vaultsni.gateway.route.Upstream;
import io.github.vaultsni.pem.CertifiedKey;
import io.github.vaultsni.sni.SniEntry;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The HTTP clients the proxy talks to upstreams with: the shared one (TLS not verified, APISIX's default), one
 * that verifies upstream certificates against the JDK's trust store and host names ({@code tls.verify: true}),
 * and one per client certificate ({@code tls.client_cert_id}) and generation, so a rotated client certificate
 * gets a fresh client while requests in flight finish on the old one.
 */
final class UpstreamClients implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(UpstreamClients.class);

    private record Key(String certificateId, long generation, boolean verify) {
    }

    private final HttpClient shared;
    private final Function<SslContextFactory.Client, HttpClient> factory;
    private final Function<String, Optional<SniEntry>> clientCertificates;
    private final Map<Key, HttpClient> clients = new ConcurrentHashMap<>();

    /**
     * @param shared             the servlet's own client (no verification)
     * @param factory            makes a new, unstarted client like the shared one, with the given TLS settings
     * @param clientCertificates client SSL objects by id
     */
    UpstreamClients(HttpClient shared, Function<SslContextFactory.Client, HttpClient> factory,
                    Function<String, Optional<SniEntry>> clientCertificates) {
        this.shared = shared;
        this.factory = factory;
        this.clientCertificates = clientCertificates;
    }

    /** The client for this upstream; empty when its client certificate is not available (yet). */
    Optional<HttpClient> forUpstream(Upstream upstream) {
        if (upstream.clientCertId() == null) {
            return Optional.of(upstream.tlsVerify() ? client(new Key(null, 0, true), null) : shared);
        }
        return clientCertificates.apply(upstream.clientCertId())
                .map(entry -> client(new Key(entry.id(), entry.generation(), upstream.tlsVerify()), entry));
    }

    private HttpClient client(Key key, SniEntry certificate) {
        return clients.computeIfAbsent(key, k -> {
            retireOlderGenerations(k);
            try {
                SslContextFactory.Client tls = k.verify() ? new SslContextFactory.Client() : new UnverifiedUpstreamTls();
                if (certificate != null) {
                    CertifiedKey certified = certificate.keys().get(0);
                    KeyStore keys = KeyStore.getInstance("PKCS12");
                    keys.load(null, null);
                    keys.setKeyEntry("client", certified.privateKey(), new char[0],
                            certified.chain().toArray(X509Certificate[]::new));
                    tls.setKeyStore(keys);
                    tls.setKeyStorePassword("");
                }
                HttpClient client = factory.apply(tls);
                client.start();
                return client;
            } catch (Exception e) {
                throw new IllegalStateException("cannot start an upstream client for " + k.certificateId(), e);
            }
        });
    }

    /** A newer generation of a client certificate replaces the older one's client (after a grace for in-flight requests). */
    private void retireOlderGenerations(Key newer) {
        if (newer.certificateId() == null) {
            return;
        }
        clients.entrySet().removeIf(e -> {
            Key k = e.getKey();
            if (newer.certificateId().equals(k.certificateId()) && k.generation() < newer.generation()) {
                HttpClient old = e.getValue();
                Thread stopper = new Thread(() -> {
                    try {
                        Thread.sleep(60_000);
                        old.stop();
                    } catch (Exception ex) {
                        LOG.debug("stopping a retired upstream client: {}", ex.toString());
                    }
                }, "retire-upstream-client");
                stopper.setDaemon(true);
                stopper.start();
                return true;
            }
            return false;
        });
    }

    @Override
    public void close() {
        for (HttpClient client : clients.values()) {
            try {
                client.stop();
            } catch (Exception e) {
                LOG.debug("stopping an upstream client: {}", e.toString());
            }
        }
        clients.clear();
    }
}
