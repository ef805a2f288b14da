package io.github.vaultsni.gateway;

import io.github.vaultsni.testsupport.TestPki;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.transport.HttpClientConnectionFactory;
import org.eclipse.jetty.client.transport.HttpClientTransportDynamic;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.ClientConnectionFactoryOverHTTP2;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * A Jetty {@link HttpClient} for HTTPS tests against a local gateway: h2 and HTTP/1.1 by ALPN, trusting one CA,
 * and every host name resolved to 127.0.0.1 with the name kept, so that the TLS engine sends it as SNI
 * ({@code https://test.com:<port>/} reaches the local listener as test.com). Not started.
 */
public final class LoopbackHttpsClient {
    private LoopbackHttpsClient() {
    }

    public static HttpClient trusting(X509Certificate ca) {
        SslContextFactory.Client tls = new SslContextFactory.Client();
        tls.setTrustStore(TestPki.trustStore(ca));
        ClientConnector connector = new ClientConnector();
        connector.setSslContextFactory(tls);
        HttpClient client = new HttpClient(new HttpClientTransportDynamic(connector,
                new ClientConnectionFactoryOverHTTP2.HTTP2(new HTTP2Client(connector)), HttpClientConnectionFactory.HTTP11));
        client.setSocketAddressResolver((host, port, context, promise) -> {
            try {
                promise.succeeded(List.of(new InetSocketAddress(
                        InetAddress.getByAddress(host, new byte[]{127, 0, 0, 1}), port)));
            } catch (UnknownHostException e) {
                promise.failed(e);
            }
        });
        return client;
    }
}
