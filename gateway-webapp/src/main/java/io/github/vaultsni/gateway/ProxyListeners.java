package io.github.vaultsni.gateway;

import io.github.vaultsni.gateway.listener.JsonErrorHandler;
import io.github.vaultsni.gateway.listener.ProxyHttpConnectionFactory;
import io.github.vaultsni.gateway.listener.ServerHeader;
import io.github.vaultsni.gateway.proxy.Forwarder;
import io.github.vaultsni.http2.StrictHTTP2CServerConnectionFactory;
import io.github.vaultsni.sni.SniCertificates;
import io.github.vaultsni.sni.SniClientCertificateCheck;
import io.github.vaultsni.sni.SniConnectors;
import io.github.vaultsni.sni.VaultSniSslContextFactory;
import io.github.vaultsni.tls.TlsProvider;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * The proxy server's listeners: HTTP (HTTP/1.1 and h2c) and HTTPS (ALPN h2 and http/1.1, certificates by SNI), with
 * the gateway's limits and TLS policy. Limits (README lists them): request headers at most
 * {@value Forwarder#MAX_REQUEST_HEADER_BYTES} bytes in all (431 past it; for HTTP/2 the header list) and
 * {@value Forwarder#MAX_REQUEST_HEADERS} fields, complete within the request header timeout; URIs as RFC 3986
 * allows them (Jetty refuses ambiguous encodings with 400); bodies streamed, never buffered whole; HTTP/2 at most
 * 128 concurrent streams per connection, with Jetty's rate control against resets and CONTINUATION floods.
 */
final class ProxyListeners {
    /**
     * Selector threads per proxy listener. On two cores, two (against Jetty's one) take HTTP/1.1 keep-alive from
     * 34k to 44k requests/s beside the load generator and the upstream: one selector serialises every
     * connection's reads behind a single thread that sleeps whenever the others hold the CPU.
     */
    static final int SELECTORS = Math.max(2, Runtime.getRuntime().availableProcessors() / 2);

    final ServerConnector http;
    final ServerConnector https;
    final TlsProvider tlsProvider;

    ProxyListeners(Server server, GatewayConfig config, SniCertificates certificates) {
        HttpConfiguration plain = ServerHeader.configuration();
        plain.setRequestHeaderSize(Forwarder.MAX_REQUEST_HEADER_BYTES);
        plain.setUriCompliance(UriCompliance.DEFAULT);
        http = new ServerConnector(server, 1, SELECTORS,
                new ProxyHttpConnectionFactory(plain, config.requestHeaderTimeout()), new StrictHTTP2CServerConnectionFactory(plain));
        http.setName("http");
        http.setHost(config.httpHost());
        http.setPort(config.httpPort());

        HttpConfiguration secure = new HttpConfiguration(plain);
        // As APISIX: a request may name another host than its SNI (only an mTLS host is refused, by MtlsPolicy),
        // which also spares matching the certificate against the Host on every request.
        secure.addCustomizer(new SecureRequestCustomizer(false));
        VaultSniSslContextFactory tls = new VaultSniSslContextFactory(certificates);
        tls.setSessionTickets(config.tlsSessionTickets());
        config.tlsPolicy().applyTo(tls);
        https = new ServerConnector(server, 1, SELECTORS, SniConnectors.httpsConnectionFactories(tls, secure,
                c -> new ProxyHttpConnectionFactory(c, config.requestHeaderTimeout())));
        https.addBean(new SniClientCertificateCheck(certificates));
        https.setName("https");
        https.setHost(config.httpsHost());
        https.setPort(config.httpsPort());
        tlsProvider = config.tlsProvider().applyTo(tls, https);

        server.addConnector(http);
        server.addConnector(https);
        server.setErrorHandler(new JsonErrorHandler());
    }
}
