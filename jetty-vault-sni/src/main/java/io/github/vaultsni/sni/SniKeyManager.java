package io.github.vaultsni.sni;

import io.github.vaultsni.pem.CertifiedKey;
import org.eclipse.jetty.util.ssl.SslContextFactory;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509ExtendedKeyManager;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;

/**
 * Answers JSSE's "which certificate?" from the current {@link SniCertificateIndex}: the entry by the client's
 * SNI (or the default entry without one), then the key pair of the type JSSE asks for (JSSE asks once per key
 * type the client accepts, in its order of preference, so RSA or ECDSA follows the client). An entry that does
 * not allow the negotiated protocol answers nothing, which fails the handshake. The chosen name goes into the
 * session as {@link SslContextFactory.Server#SNI_HOST} for {@code SecureRequestCustomizer}.
 *
 * <p>Only map reads: no I/O, no parsing, no locks, no waiting. A name whose certificate is being prepared (an
 * object being built, a name being issued) was waited for before the handshake began, by the
 * {@link ClientHelloConnectionFactory}, with its connection parked; here it is served if it is ready, else
 * refused. A refusal, or the choice made, is noted for the {@link SniHandshakeListener}s ({@link SniHandshakes}).
 */
final class SniKeyManager extends X509ExtendedKeyManager {
    private final SniCertificates certificates;

    SniKeyManager(SniCertificates certificates) {
        this.certificates = certificates;
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return engine == null ? null : choose(keyType, engine.getHandshakeSession());
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return socket instanceof SSLSocket ssl ? choose(keyType, ssl.getHandshakeSession()) : null;
    }

    private String choose(String keyType, SSLSession session) {
        if (session == null) {
            return null;
        }
        String name = SniHandshakes.requestedName(session);
        SniEntry entry = certificates.entryFor(name);
        if (entry == null) {
            SniHandshakes.refused(certificates, session, name, SniHandshakeListener.Outcome.UNKNOWN_NAME);
            return null;
        }
        if (!entry.allows(session.getProtocol())) {
            SniHandshakes.refused(certificates, session, name, SniHandshakeListener.Outcome.PROTOCOL_REFUSED);
            return null;
        }
        String alias = SniCertificateIndex.alias(entry, keyType);
        if (alias != null) {
            if (name != null) {
                session.putValue(SslContextFactory.Server.SNI_HOST, name);
            }
            SniHandshakes.chosen(session, name);
        }
        return alias;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        CertifiedKey key = certificates.key(alias);
        return key == null ? null : key.chain().toArray(X509Certificate[]::new);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        CertifiedKey key = certificates.key(alias);
        return key == null ? null : certificates.privateKey(key);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return null;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return null;
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return null;
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
        return null;
    }
}
