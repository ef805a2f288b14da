package io.github.vaultsni.sni;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.StandardConstants;

/**
 * Tells JSSE whether a requested name is served. A name no entry covers makes JSSE refuse the handshake with
 * an {@code unrecognized_name} alert, as APISIX does, instead of a generic handshake failure.
 */
final class SniMatcher extends javax.net.ssl.SNIMatcher {
    private final SniCertificates certificates;

    SniMatcher(SniCertificates certificates) {
        super(StandardConstants.SNI_HOST_NAME);
        this.certificates = certificates;
    }

    @Override
    public boolean matches(SNIServerName serverName) {
        if (!(serverName instanceof SNIHostName host)) {
            return false;
        }
        String name = SniNames.normalizeClientName(host.getAsciiName());
        if (certificates.entryFor(name) != null) {
            return true;
        }
        // JSSE asks once per ClientHello and refuses the handshake at once: told here, without a session.
        certificates.handshakes().refused(null, name, SniHandshakeListener.Outcome.UNKNOWN_NAME);
        return false;
    }
}
