package io.github.vaultsni.gateway.proxy;

import io.github.vaultsni.gateway.route.RouteTableSource;

import java.util.Objects;

/**
 * What a door needs from the gateway to start its {@link Forwarder}: where the routes are, the client-certificate
 * rules, the client certificates for upstream mTLS, and who meters the requests. Made once by the
 * gateway's core, handed to whichever door serves requests (the jetty-core handler or the servlet).
 *
 * @param routes             the current route table
 * @param mtls               APISIX's client-certificate rules for HTTPS requests
 * @param clientCertificates {@code type: client} SSL objects by id
 * @param meter              hears of every request's end ({@link ExchangeMeter#NONE}: nobody)
 */
public record ProxyConfiguration(RouteTableSource routes, MtlsPolicy mtls, UpstreamClientCertificates clientCertificates,
                                 ExchangeMeter meter) {
    public ProxyConfiguration {
        Objects.requireNonNull(meter, "meter");
        Objects.requireNonNull(routes, "routes");
        Objects.requireNonNull(mtls, "mtls");
        Objects.requireNonNull(clientCertificates, "clientCertificates");
    }
}
