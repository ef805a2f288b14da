package io.github.vaultsni.sni;

import org.eclipse.jetty.io.ssl.SslHandshakeListener;

import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Closes a connection whose entry verifies clients but whose client sent no certificate. JSSE fixes the
 * client-auth mode before it reads the SNI, so the factory only asks for ("wants") certificates; this listener,
 * run by Jetty right after the handshake, enforces "needs" per entry (unless the entry makes the certificate
 * optional, leaving the decision to the HTTP layer). Added to the connector as a bean. It also tells the
 * {@link SniHandshakeListener}s that a full handshake served a certificate, or was refused here.
 */
public final class SniClientCertificateCheck implements SslHandshakeListener {
    private final SniCertificates certificates;

    public SniClientCertificateCheck(SniCertificates certificates) {
        this.certificates = certificates;
    }

    @Override
    public void handshakeSucceeded(Event event) throws SSLHandshakeException {
        SSLSession session = event.getSSLEngine().getSession();
        String name = SniHandshakes.requestedName(session);
        SniEntry entry = certificates.current().lookup(name);
        if (entry != null && entry.verifiesClients() && !entry.clientCertificateOptional()) {
            try {
                session.getPeerCertificates();
            } catch (SSLPeerUnverifiedException e) {
                SniHandshakes.completed(certificates, session, SniHandshakeListener.Outcome.CLIENT_CERTIFICATE_REFUSED);
                throw new SSLHandshakeException("client certificate required for " + name);
            }
        }
        SniHandshakes.completed(certificates, session, SniHandshakeListener.Outcome.SERVED);
    }
}
