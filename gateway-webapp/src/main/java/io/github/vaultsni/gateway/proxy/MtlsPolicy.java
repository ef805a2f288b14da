package io.github.vaultsni.gateway.proxy;

import io.github.vaultsni.sni.SniCertificateIndex;
import io.github.vaultsni.sni.SniCertificates;
import io.github.vaultsni.sni.SniEntry;
import io.github.vaultsni.sni.SniNames;

import java.util.regex.Pattern;

/**
 * APISIX's per-request client-certificate rules for HTTPS: (1) on a connection whose SSL object verifies clients,
 * a request without a client certificate is refused unless its URI matches one of that object's
 * {@code skip_mtls_uri_regex}; (2) a request whose Host belongs to an SSL object that verifies clients, reached
 * under another SNI, is refused, so a client cannot skip mTLS by naming another host in the handshake. While no
 * served SSL object verifies clients, it costs one field read per request.
 */
public final class MtlsPolicy {
    private final SniCertificates certificates;

    /** @param certificates the certificates served on HTTPS; each entry carries its {@code skip_mtls_uri_regex} */
    public MtlsPolicy(SniCertificates certificates) {
        this.certificates = certificates;
    }

    /** Why the request (its normalised {@code path}) must be refused with 400, or null to let it through. */
    String refusal(GatewayRequest request, String path) {
        SniCertificateIndex index = certificates.current();
        if (!index.verifiesClients() || !"https".equals(request.scheme())) {
            return null;
        }
        String sni = request.sni();
        SniEntry connection = index.lookup(sni);
        if (connection != null && connection.verifiesClients() && !request.hasClientCertificate()
                && !skipped(connection, path)) {
            return "client certificate was not present";
        }
        String host = request.host();
        if (host != null) {
            SniEntry hostEntry = index.lookup(SniNames.normalizeClientName(host));
            if (hostEntry != null && hostEntry.verifiesClients() && !host.equals(sni)) {
                return "client certificate verified with SNI " + sni + ", but the host is " + host;
            }
        }
        return null;
    }

    private static boolean skipped(SniEntry entry, String uri) {
        for (Pattern pattern : entry.skipMtlsUris()) {
            if (pattern.matcher(uri).find()) {
                return true;
            }
        }
        return false;
    }
}
