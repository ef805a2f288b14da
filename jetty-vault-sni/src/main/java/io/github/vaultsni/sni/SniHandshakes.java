package io.github.vaultsni.sni;

import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLSession;
import java.util.List;

/** Reading the client's requested name from a handshake session, shared by the handshake-time components. */
final class SniHandshakes {
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
}
