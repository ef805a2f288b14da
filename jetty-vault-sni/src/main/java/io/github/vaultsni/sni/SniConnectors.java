package io.github.vaultsni.sni;

import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import io.github.vaultsni.http2.StrictHTTP2ServerConnectionFactory;
import io.github.vaultsni.tls.GatheringSslConnectionFactory;
import org.eclipse.jetty.http2.HTTP2Cipher;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;

import java.util.List;
import java.util.function.Function;

/**
 * The HTTPS connector users of {@link VaultSniSslContextFactory} want: the ClientHello reader
 * ({@link ClientHelloConnectionFactory}: a name whose certificate is being prepared parks its connection, not a
 * thread), TLS, then ALPN choosing {@code h2} or {@code http/1.1}, {@link SecureRequestCustomizer} added, and
 * {@link SniClientCertificateCheck} installed.
 * Needs {@code jetty-http2-server} and {@code jetty-alpn-java-server} on the class path.
 */
public final class SniConnectors {
    private SniConnectors() {
    }

    /**
     * A connector on {@code host:port} (host null: all interfaces; port 0: any free port), not yet added to
     * {@code server}.
     */
    public static ServerConnector https(Server server, VaultSniSslContextFactory sslContextFactory,
                                        HttpConfiguration httpConfiguration, String host, int port) {
        ServerConnector connector = new ServerConnector(server,
                httpsConnectionFactories(sslContextFactory, httpConfiguration, HttpConnectionFactory::new));
        connector.addBean(new SniClientCertificateCheck(sslContextFactory.getCertificates()));
        connector.setHost(host);
        connector.setPort(port);
        return connector;
    }

    /**
     * The connection factories of {@link #https}, for a connector built otherwise (its own selector count, say):
     * the ClientHello reader, TLS, ALPN, h2 and HTTP/1.1, the latter made by {@code http11Factory} from the
     * connector's configuration. Add {@link SniClientCertificateCheck} to that connector.
     */
    public static ConnectionFactory[] httpsConnectionFactories(VaultSniSslContextFactory sslContextFactory,
                                                               HttpConfiguration httpConfiguration,
                                                               Function<HttpConfiguration, HttpConnectionFactory> http11Factory) {
        HttpConfiguration https = secure(httpConfiguration);
        sslContextFactory.setCipherComparator(HTTP2Cipher.COMPARATOR);
        HttpConnectionFactory http11 = http11Factory.apply(https);
        // Its own type, not HTTP2ServerConnectionFactory: widening would make the verifier load jetty-http2-server with
        // this class, which a jetty-base without the http2 module lacks (clientHello(...) is used there alone).
        StrictHTTP2ServerConnectionFactory h2 = new StrictHTTP2ServerConnectionFactory(https);
        // ALPN compares names exactly, and clients say "http/1.1"; Jetty finds the factory case-insensitively.
        ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory(h2.getProtocol(), "http/1.1");
        alpn.setDefaultProtocol("http/1.1");
        SslConnectionFactory tls = new GatheringSslConnectionFactory(sslContextFactory, alpn.getProtocol());
        return new ConnectionFactory[]{clientHello(sslContextFactory, tls), tls, alpn, h2, http11};
    }

    /** The ClientHello reader in front of {@code tls}: put it first on a connector that has {@code tls}. */
    public static ClientHelloConnectionFactory clientHello(VaultSniSslContextFactory sslContextFactory,
                                                           SslConnectionFactory tls) {
        return new ClientHelloConnectionFactory(sslContextFactory.getCertificates(), tls.getProtocol());
    }

    /** As {@link #httpsConnectionFactories} without h2: the ClientHello reader, TLS, then HTTP/1.1 alone (no ALPN). */
    public static ConnectionFactory[] http11ConnectionFactories(VaultSniSslContextFactory sslContextFactory,
                                                                HttpConfiguration httpConfiguration,
                                                                Function<HttpConfiguration, HttpConnectionFactory> http11Factory) {
        HttpConnectionFactory http11 = http11Factory.apply(secure(httpConfiguration));
        SslConnectionFactory tls = new GatheringSslConnectionFactory(sslContextFactory, http11.getProtocol());
        return new ConnectionFactory[]{clientHello(sslContextFactory, tls), tls, http11};
    }

    /**
     * Turns a connector built elsewhere (Spring Boot's, say), not started yet, into this HTTPS connector: its
     * connection factories become those of {@link #httpsConnectionFactories} ({@code http2} true) or
     * {@link #http11ConnectionFactories}, made from the configuration of its HTTP/1.1 factory, so what was set
     * there (header sizes, forwarded headers, ...) stays; any other factory it had (h2c, say) goes. Host, port,
     * threads and timeouts stay the connector's own. {@link SniClientCertificateCheck} is added.
     *
     * @throws IllegalArgumentException when the connector has no HTTP/1.1 factory to take the configuration from
     */
    public static void serveHttps(ServerConnector connector, VaultSniSslContextFactory sslContextFactory,
                                  boolean http2) {
        HttpConnectionFactory http11 = connector.getConnectionFactory(HttpConnectionFactory.class);
        if (http11 == null) {
            throw new IllegalArgumentException(connector + " has no HTTP/1.1 connection factory");
        }
        HttpConfiguration configuration = http11.getHttpConfiguration();
        connector.setConnectionFactories(List.of(http2
                ? httpsConnectionFactories(sslContextFactory, configuration, HttpConnectionFactory::new)
                : http11ConnectionFactories(sslContextFactory, configuration, HttpConnectionFactory::new)));
        connector.addBean(new SniClientCertificateCheck(sslContextFactory.getCertificates()));
    }

    /** A copy of {@code configuration} with {@link SecureRequestCustomizer}: https scheme, TLS attributes, SNI-Host check. */
    private static HttpConfiguration secure(HttpConfiguration configuration) {
        HttpConfiguration https = new HttpConfiguration(configuration);
        if (https.getCustomizer(SecureRequestCustomizer.class) == null) {
            https.addCustomizer(new SecureRequestCustomizer());
        }
        return https;
    }
}
