package io.github.vaultsni.sni;

import io.github.vaultsni.pem.CertifiedKey;

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
 * type the client accepts, in its order of preference, so RSA or ECDSA follows the client; a provider that asks
 * for every type of its enabled cipher suites and keeps the last, such as Conscrypt, was left only the suites the
 * client's signature algorithms allow, by the {@link ClientHelloConnectionFactory}). An entry that does not allow
 * the negotiated protocol answers nothing, which fails the handshake (the ClientHello reader held the engine to the
 * entry's versions already; this stands for handshakes it did not see). Nothing is bound to the handshake's {@code SSLSession} (see {@link SniHandshakes}).
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
        return engine == null ? null : choose(keyType, engine, engine.getHandshakeSession());
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return socket instanceof SSLSocket ssl ? choose(keyType, null, ssl.getHandshakeSession()) : null;
    }

    private String choose(String keyType, SSLEngine engine, SSLSession session) {
        if (session == null) {
            return restoring(keyType, engine);
        }
        SniHandshakes handshakes = certificates.handshakes();
        String name = SniHandshakes.requestedName(session);
        // The ClientHello reader prepared the name already (once per connection): only a handshake it did not see
        // starts the name's work from here.
        SniHandshakes.Note note = handshakes.noted(engine);
        SniEntry entry = note != null ? certificates.current().lookup(name) : certificates.entryFor(name);
        if (entry == null) {
            handshakes.refused(engine, name, SniHandshakeListener.Outcome.UNKNOWN_NAME);
            return null;
        }
        if (!withinVersions(entry, note, session)) {
            handshakes.refused(engine, name, SniHandshakeListener.Outcome.PROTOCOL_REFUSED);
            return null;
        }
        String alias = SniCertificateIndex.alias(entry, keyType);
        if (alias != null) {
            handshakes.chosen(engine, name);
        }
        return alias;
    }

    /**
     * Whether {@code entry}'s TLS versions allow this handshake. The ClientHello reader held the engine of a handshake
     * it saw to its entry's versions ({@code note}), the one answer that holds for every provider (Conscrypt tells a
     * version here that is not the one negotiated); a handshake it saw held to other versions (its name unread, or the
     * entry changed since) is refused when the entry restricts them; one it did not see is judged by its version.
     */
    private static boolean withinVersions(SniEntry entry, SniHandshakes.Note note, SSLSession session) {
        if (entry.protocols().isEmpty()) {
            return true;
        }
        return note != null ? note.heldToProtocols.equals(entry.protocols()) : entry.allows(session.getProtocol());
    }

    /**
     * JSSE asks with no handshake session when it restores a session from a stateless ticket: it resumes only if the
     * certificate chosen now for the ClientHello's name is the one in the ticket. The name is the ClientHello
     * reader's; nothing is told and nothing chosen (a resumed handshake serves no certificate). An entry that
     * restricts TLS versions answers nothing, so its check is made again in a full handshake.
     */
    private String restoring(String keyType, SSLEngine engine) {
        SniHandshakes.Note note = certificates.handshakes().noted(engine);
        if (note == null) {
            return null;
        }
        SniEntry entry = certificates.current().lookup(note.requestedName);
        return entry == null || !entry.protocols().isEmpty() ? null : SniCertificateIndex.alias(entry, keyType);
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
