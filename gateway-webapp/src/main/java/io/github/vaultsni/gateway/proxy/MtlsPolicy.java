package io.github.vaultsni.gateway.proxy;

import io.github.vaultsni.sni.SniCertificates;
import io.github.vaultsni.sni.SniEntry;
import io.github.vaultsni.sni.SniNames;

import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * APISIX's per-request client-certificate rules for HTTPS: (1) on a connection whose SSL object verifies clients,
 * a request without a client certificate is refused unless its URI matches one of that object's
 * {@code skip_mtls_uri_regex}; (2) a request whose Host belongs to an SSL object that verifies clients, reached
 * under another SNI, is refused, so a client cannot skip mTLS by naming another host in the handshake.
 */
final class MtlsPolicy {
    private final SniCertificates certificates;
    private final Function<String, List<Pattern>> skipPatterns;

    MtlsPolicy(SniCertificates certificates, Function<String, List<Pattern>> skipPatterns) {
        this.certificates = certificates;
        this.skipPatterns = skipPatterns;
    }

    /**
     * Why the request must be refused with 400, or empty to let it through.
     *
     * @param sni            the connection's SNI (normalised), or null
     * @param host           the request's host (lower case, no port), or null
     * @param hasCertificate whether the client presented a (verified) certificate
     */
    Optional<String> refusal(String sni, String host, boolean hasCertificate, String uri) {
        SniEntry connection = certificates.current().lookup(sni);
        if (connection != null && connection.verifiesClients() && !hasCertificate
                && skipPatterns.apply(connection.id()).stream().noneMatch(p -> p.matcher(uri).find())) {
            return Optional.of("client certificate was not present");
        }
        if (host != null) {
            SniEntry hostEntry = certificates.current().lookup(SniNames.normalizeClientName(host));
            if (hostEntry != null && hostEntry.verifiesClients() && !host.equals(sni)) {
                return Optional.of("client certificate verified with SNI " + sni + ", but the host is " + host);
            }
        }
        return Optional.empty();
    }
}
