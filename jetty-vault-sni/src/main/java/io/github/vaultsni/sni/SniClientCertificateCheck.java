package io.github.vaultsni.sni;

import org.eclipse.jetty.io.ssl.SslHandshakeListener;
import org.eclipse.jetty.util.ssl.SslContextFactory;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Arrays;

/**
 * Closes a connection whose entry verifies clients but whose client sent no certificate. JSSE fixes the
 * client-auth mode before it reads the SNI, so the factory only asks for ("wants") certificates; this listener,
 * run by Jetty right after the handshake, enforces "needs" per entry (unless the entry makes the certificate
 * optional, leaving the decision to the HTTP layer). Added to the connector as a bean. It also tells the
 * {@link SniHandshakeListener}s that a full handshake served a certificate, or was refused here, and puts the SNI
 * into the session as {@link SslContextFactory.Server#SNI_HOST} for {@code SecureRequestCustomizer}.
 */
public final class SniClientCertificateCheck implements SslHandshakeListener {
    private final SniCertificates certificates;
    private final SniClientTrustManager clients;

    public SniClientCertificateCheck(SniCertificates certificates) {
        this.certificates = certificates;
        this.clients = new SniClientTrustManager(certificates);
    }

    @Override
    public void handshakeSucceeded(Event event) throws SSLHandshakeException {
        SSLEngine engine = event.getSSLEngine();
        SSLSession session = engine.getSession();
        String name = SniHandshakes.requestedName(session);
        SniEntry entry = certificates.current().lookup(name);
        requireStillAccepted(session, name, entry);
        if (entry != null && entry.verifiesClients() && !entry.clientCertificateOptional()) {
            try {
                session.getPeerCertificates();
            } catch (SSLPeerUnverifiedException e) {
                certificates.handshakes().completed(engine, SniHandshakeListener.Outcome.CLIENT_CERTIFICATE_REFUSED);
                throw new SSLHandshakeException("client certificate required for " + name);
            }
        }
        certificates.handshakes().completed(engine, SniHandshakeListener.Outcome.SERVED);
        if (name != null) {
            // For SecureRequestCustomizer's SNI host check; bound only now, once any session ticket is made.
            session.putValue(SslContextFactory.Server.SNI_HOST, name);
        }
    }

    /**
     * A resumed session skips the key and trust managers: it was made under the rules of its first handshake. So every
     * handshake, resumed or not (the providers do not say alike which one it was; for a full one this is the trust
     * manager's check again), goes on only while its name is still served and a client certificate it carries is
     * still accepted: an object deleted, or a client CA removed, end its sessions here (a full handshake would be
     * refused as well). Otherwise the session is invalidated and the connection refused. A replaced server
     * certificate does not end a session, as with nginx: the session's keys never depended on the certificate's
     * (ECDHE), and refusing it would refuse a client that keeps its session ticket, handshake after handshake.
     */
    private void requireStillAccepted(SSLSession session, String name, SniEntry entry) throws SSLHandshakeException {
        String why = null;
        if (entry == null) {
            why = "no longer served";
        } else if (entry.verifiesClients()) {
            try {
                clients.check(Arrays.stream(session.getPeerCertificates()).map(X509Certificate.class::cast)
                        .toArray(X509Certificate[]::new), name);
            } catch (SSLPeerUnverifiedException none) {
                // no client certificate: the entry's own rule, below, decides
            } catch (CertificateException | ClassCastException refused) {
                why = "its client certificate is no longer accepted";
            }
        }
        if (why != null) {
            session.invalidate();
            throw new SSLHandshakeException("resumed session for " + name + " refused: " + why);
        }
    }

}
