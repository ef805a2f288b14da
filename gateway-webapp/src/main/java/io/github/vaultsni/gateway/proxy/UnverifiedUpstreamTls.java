package io.github.vaultsni.gateway.proxy;

import org.eclipse.jetty.util.ssl.SslContextFactory;

import javax.net.ssl.TrustManager;
import java.security.KeyStore;
import java.security.cert.CRL;
import java.util.Collection;

/**
 * TLS to an upstream with {@code tls.verify: false} (APISIX's default): no certificate or host-name check. Jetty's
 * {@code trustAll} only applies when no keystore is configured, so with a client certificate it would silently
 * verify against the JDK's trust store; this factory trusts in both cases. It is the upstream's own setting, chosen per
 * upstream, so Jetty's start-up warnings about trusting all certificates (two WARN lines at every start, whether or
 * not any upstream uses TLS) are left out.
 */
final class UnverifiedUpstreamTls extends SslContextFactory.Client {
    UnverifiedUpstreamTls() {
        super(true);
        setEndpointIdentificationAlgorithm(null);
    }

    @Override
    protected TrustManager[] getTrustManagers(KeyStore trustStore, Collection<? extends CRL> crls) {
        return SslContextFactory.TRUST_ALL_CERTS;
    }

    @Override
    protected void checkTrustAll() {
    }

    @Override
    protected void checkEndPointIdentificationAlgorithm() {
    }
}
