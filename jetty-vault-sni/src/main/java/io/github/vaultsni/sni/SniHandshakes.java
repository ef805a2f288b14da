package io.github.vaultsni.sni;

import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * What the handshake-time components know of one handshake in progress, and telling {@link SniCertificates}'
 * listeners how it ended, once:
 * <ul>
 *   <li>{@code UNKNOWN_NAME}: the SNI matcher found no entry (JSSE then refuses at once), or the key manager found
 *       none (a provider that asks no matcher, such as Conscrypt; or no SNI and no default);</li>
 *   <li>{@code PROTOCOL_REFUSED}: the key manager found an entry that does not allow the negotiated version;</li>
 *   <li>{@code CLIENT_CERTIFICATE_REFUSED}: the trust manager refused the client's certificate, or the entry
 *       needed one and none came ({@link SniClientCertificateCheck});</li>
 *   <li>{@code SERVED}: the handshake completed after the key manager chose a certificate (a resumed session
 *       chooses none, so it is not told).</li>
 * </ul>
 *
 * <p>A handshake is noted here, by its peer's address and port, never by values bound to its {@code SSLSession}: a
 * session with bound values cannot become a stateless session ticket, so JSSE sent TLS 1.2 clients an empty ticket
 * and resumed nothing, tickets on or off (and Conscrypt hands each question a new session object, which lost them).
 * The peer's address and port are what every engine reports alike, the one Jetty holds and the one a provider
 * hands the key manager (Conscrypt wraps its own). The {@link ClientHelloConnectionFactory} opens the note when it
 * hands a connection to TLS and closes it when that connection closes; a handshake without a note (a connector
 * without the ClientHello reader) is not counted as served, and its refusals may be told more than once.
 * Lock-free map operations only, on the handshake path.
 */
final class SniHandshakes {
    private final SniCertificates certificates;
    private final ConcurrentMap<Object, Note> notes = new ConcurrentHashMap<>();

    /**
     * One connection's handshake: the name its ClientHello asked for, the TLS versions the reader held its engine
     * to, the name a certificate was chosen for, whether a refusal was told.
     */
    static final class Note {
        /** The normalised SNI, or null for none. */
        final String requestedName;
        /** The TLS versions the engine was held to (an SSL object's {@code ssl_protocols}); empty: the connector's. */
        final Set<String> heldToProtocols;
        volatile String chosenName;
        volatile boolean refusalTold;

        Note(String requestedName, Set<String> heldToProtocols) {
            this.requestedName = requestedName;
            this.heldToProtocols = heldToProtocols;
        }
    }

    SniHandshakes(SniCertificates certificates) {
        this.certificates = certificates;
    }

    /** The normalised host name the client asked for, or null when it sent none. */
    static String requestedName(SSLSession session) {
        if (session instanceof ExtendedSSLSession extended) {
            List<SNIServerName> names;
            try {
                names = extended.getRequestedServerNames();
            } catch (UnsupportedOperationException e) {
                // ExtendedSSLSession's default for providers that do not report the names: treat as no SNI.
                return null;
            }
            for (SNIServerName name : names) {
                if (name instanceof SNIHostName host) {
                    return SniNames.normalizeClientName(host.getAsciiName());
                }
            }
        }
        return null;
    }

    /** The key a handshake is noted by: its peer's address and port; null when the engine does not know them. */
    static String key(SSLEngine engine) {
        return engine == null || engine.getPeerHost() == null ? null : engine.getPeerHost() + " " + engine.getPeerPort();
    }

    /**
     * A handshake is about to begin on {@code engine}, for {@code requestedName} (normalised; null: no SNI): its
     * note, to {@link #end} with; null when the engine does not know its peer.
     */
    Note begin(SSLEngine engine, String requestedName, Set<String> heldToProtocols) {
        String key = key(engine);
        if (key == null) {
            return null;
        }
        Note note = new Note(requestedName, heldToProtocols);
        notes.put(key, note);
        return note;
    }

    /** What was noted of {@code engine}'s handshake, or null when nothing (no ClientHello reader in front). */
    Note noted(SSLEngine engine) {
        String key = key(engine);
        return key == null ? null : notes.get(key);
    }

    /** {@code engine}'s connection closed: its note goes (not another connection's that took its key since). */
    void end(SSLEngine engine, Note note) {
        String key = key(engine);
        if (key != null && note != null) {
            notes.remove(key, note);
        }
    }

    /** The number of handshakes noted now (for tests: notes must not outlive their connections). */
    int inProgress() {
        return notes.size();
    }

    /** The key manager chose a certificate for {@code name} (null: no SNI) in {@code engine}'s (full) handshake. */
    void chosen(SSLEngine engine, String name) {
        Note note = noted(engine);
        if (note != null) {
            note.chosenName = name == null ? "" : name;
        }
    }

    /** Tells a refusal, unless {@code engine}'s handshake told one already (null: no handshake to mark). */
    void refused(SSLEngine engine, String name, SniHandshakeListener.Outcome outcome) {
        Note note = noted(engine);
        if (note != null) {
            if (note.refusalTold) {
                return;
            }
            note.refusalTold = true;
        }
        certificates.handshake(name, outcome);
    }

    /**
     * {@code engine}'s handshake completed ({@code outcome} {@code SERVED}) or was refused after it (a missing client
     * certificate): told when the key manager chose a certificate in it. Its note goes.
     */
    void completed(SSLEngine engine, SniHandshakeListener.Outcome outcome) {
        Note note = noted(engine);
        String name = note == null ? null : note.chosenName;
        if (name != null) {
            note.chosenName = null; // told once; the note itself lives as long as the connection
            certificates.handshake(name.isEmpty() ? null : name, outcome);
        }
    }
}
