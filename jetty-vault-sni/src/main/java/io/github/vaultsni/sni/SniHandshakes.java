package io.github.vaultsni.sni;

import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLSession;
import java.util.List;

/**
 * What the handshake-time components share: reading the client's requested name from a handshake session, and
 * telling {@link SniCertificates}' listeners how a full handshake ended, once per handshake:
 * <ul>
 *   <li>{@code UNKNOWN_NAME}: the SNI matcher found no entry (JSSE then refuses at once), or the key manager found
 *       none (a provider that asks no matcher, such as Conscrypt; or no SNI and no default);</li>
 *   <li>{@code PROTOCOL_REFUSED}: the key manager found an entry that does not allow the negotiated version;</li>
 *   <li>{@code CLIENT_CERTIFICATE_REFUSED}: the trust manager refused the client's certificate, or the entry
 *       needed one and none came ({@link SniClientCertificateCheck});</li>
 *   <li>{@code SERVED}: the handshake completed after the key manager chose a certificate (a resumed session
 *       chooses none, so it is not told).</li>
 * </ul>
 * The key manager is asked once per key type the client accepts; a value in the handshake session makes the
 * outcome told once.
 */
final class SniHandshakes {
    /** Session value: the key manager chose a certificate in this handshake; the value is the SNI, or "" for none. */
    static final String CHOSEN = "io.github.vaultsni.sni.chosen";
    /** Session value: this handshake's refusal has been told. */
    private static final String REFUSAL_TOLD = "io.github.vaultsni.sni.refusalTold";

    private SniHandshakes() {
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

    /** The key manager chose a certificate for {@code name} in this (full) handshake. */
    static void chosen(SSLSession session, String name) {
        session.putValue(CHOSEN, name == null ? "" : name);
    }

    /** Tells a refusal, unless this handshake's was told already ({@code session} null: no session to mark). */
    static void refused(SniCertificates certificates, SSLSession session, String name, SniHandshakeListener.Outcome outcome) {
        if (session != null) {
            if (session.getValue(REFUSAL_TOLD) != null) {
                return;
            }
            session.putValue(REFUSAL_TOLD, Boolean.TRUE);
        }
        certificates.handshake(name, outcome);
    }

    /**
     * The handshake completed ({@code outcome} {@code SERVED}) or was refused after it (a missing client
     * certificate): told when the key manager chose a certificate in it, and only once for the session.
     */
    static void completed(SniCertificates certificates, SSLSession session, SniHandshakeListener.Outcome outcome) {
        if (session.getValue(CHOSEN) instanceof String name) {
            session.removeValue(CHOSEN);
            certificates.handshake(name.isEmpty() ? null : name, outcome);
        }
    }
}
