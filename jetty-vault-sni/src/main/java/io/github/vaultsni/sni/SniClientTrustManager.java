package io.github.vaultsni.sni;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509ExtendedTrustManager;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateException;
import java.security.cert.CertificateRevokedException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Verifies client certificates against the CA of the entry the client's SNI selected, with that entry's depth
 * (1 = issued directly by one of its CAs). A certificate sent to a name whose entry verifies no clients is
 * refused rather than silently accepted unverified. A verified client certificate is then checked against the
 * entry's revocation list, if it has one ({@link SniClientRevocation}: a lookup in memory).
 */
final class SniClientTrustManager extends X509ExtendedTrustManager {
    private final SniCertificates certificates;

    SniClientTrustManager(SniCertificates certificates) {
        this.certificates = certificates;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        verify(chain, engine, engine == null ? null : engine.getHandshakeSession());
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        verify(chain, null, socket instanceof SSLSocket ssl ? ssl.getHandshakeSession() : null);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        verify(chain, null, null);
    }

    private void verify(X509Certificate[] chain, SSLEngine engine, SSLSession session) throws CertificateException {
        String name = session == null ? null : SniHandshakes.requestedName(session);
        try {
            check(chain, name);
        } catch (CertificateException refused) {
            certificates.handshakes().refused(engine, name, refused instanceof CertificateRevokedException
                    ? SniHandshakeListener.Outcome.CLIENT_CERTIFICATE_REVOKED
                    : SniHandshakeListener.Outcome.CLIENT_CERTIFICATE_REFUSED);
            throw refused;
        }
    }

    /** Whether {@code chain} is a client the entry serving {@code name} accepts now. */
    void check(X509Certificate[] chain, String name) throws CertificateException {
        SniEntry entry = certificates.current().lookup(name);
        if (entry == null || !entry.verifiesClients()) {
            throw new CertificateException("no client certificate is accepted for " + (name == null ? "this connection" : name));
        }
        if (chain == null || chain.length == 0) {
            throw new CertificateException("empty client certificate chain");
        }
        Set<TrustAnchor> anchors = new HashSet<>();
        entry.clientCa().forEach(ca -> anchors.add(new TrustAnchor(ca, null)));
        List<X509Certificate> path = new ArrayList<>();
        for (X509Certificate certificate : chain) {
            if (!entry.clientCa().contains(certificate)) {
                path.add(certificate);
            }
        }
        if (path.size() > entry.clientDepth()) {
            throw new CertificateException("client certificate chain of " + path.size() + " is longer than depth "
                    + entry.clientDepth() + " for " + name);
        }
        try {
            PKIXParameters parameters = new PKIXParameters(anchors);
            parameters.setRevocationEnabled(false);
            CertPathValidator.getInstance("PKIX").validate(
                    CertificateFactory.getInstance("X.509").generateCertPath(path), parameters);
        } catch (GeneralSecurityException e) {
            throw new CertificateException("client certificate not trusted for " + name + ": " + e.getMessage(), e);
        }
        entry.clientRevocation().check(path.get(0));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        throw new CertificateException("this trust manager verifies client certificates only");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        throw new CertificateException("this trust manager verifies client certificates only");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("this trust manager verifies client certificates only");
    }

    /** The CAs named in the CertificateRequest: every entry's, since the request goes out before we could narrow it. */
    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return certificates.current().clientIssuers();
    }
}
