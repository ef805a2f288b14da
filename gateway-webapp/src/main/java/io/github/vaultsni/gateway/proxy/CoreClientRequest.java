package io.github.vaultsni.gateway.proxy;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.ssl.SslContextFactory;


/**
 * A jetty-core {@link Request} as the {@link Forwarder} reads it. Values the forwarding core may read several
 * times (the client's address) are worked out once; the TLS facts only when asked.
 */
final class CoreClientRequest implements ClientRequest {
    private final Request request;
    private final boolean hasContent;
    private String remoteAddress;

    /** @param hasContent whether a body follows (the door has looked: {@link GatewayProxyHandler}) */
    CoreClientRequest(Request request, boolean hasContent) {
        this.request = request;
        this.hasContent = hasContent;
    }

    @Override
    public String method() {
        return request.getMethod();
    }

    @Override
    public String path() {
        return request.getHttpURI().getPath();
    }

    @Override
    public String query() {
        return request.getHttpURI().getQuery();
    }

    @Override
    public String targetAuthority() {
        return request.getHttpURI().hasAuthority() ? request.getHttpURI().getAuthority() : null;
    }

    @Override
    public String hostHeader() {
        return request.getHeaders().get(HttpHeader.HOST);
    }

    @Override
    public HttpFields headers() {
        return request.getHeaders();
    }

    @Override
    public String protocol() {
        return request.getConnectionMetaData().getProtocol();
    }

    @Override
    public String scheme() {
        String scheme = request.getHttpURI().getScheme();
        return scheme != null ? scheme : request.isSecure() ? "https" : "http";
    }

    @Override
    public String remoteAddress() {
        if (remoteAddress == null) {
            remoteAddress = Request.getRemoteAddr(request);
        }
        return remoteAddress;
    }

    @Override
    public String tunnelProtocol() {
        var tunnel = request.getTunnelSupport();
        return tunnel == null ? null : tunnel.getProtocol();
    }

    @Override
    public String localAddress() {
        return Request.getLocalAddr(request);
    }

    @Override
    public int localPort() {
        return Request.getLocalPort(request);
    }

    @Override
    public boolean hasContent() {
        return hasContent;
    }

    @Override
    public String sni() {
        EndPoint.SslSessionData ssl = sslSessionData();
        Object sni = ssl == null || ssl.sslSession() == null ? null : ssl.sslSession().getValue(SslContextFactory.Server.SNI_HOST);
        return sni instanceof String name ? name : null;
    }

    @Override
    public boolean hasClientCertificate() {
        EndPoint.SslSessionData ssl = sslSessionData();
        return ssl != null && ssl.peerCertificates() != null && ssl.peerCertificates().length > 0;
    }

    /** When Jetty began reading the request. */
    @Override
    public long beginNanos() {
        return request.getBeginNanoTime();
    }

    private EndPoint.SslSessionData sslSessionData() {
        return request.getConnectionMetaData().getConnection().getEndPoint().getSslSessionData();
    }
}
