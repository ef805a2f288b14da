package io.github.vaultsni.gateway.proxy;


import jakarta.servlet.http.HttpServletRequest;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.util.ssl.SslContextFactory;

import javax.net.ssl.SSLSession;
import java.lang.reflect.Method;
import java.util.Enumeration;

/**
 * A servlet request as the {@link Forwarder} reads it. In a WAR the container's Jetty classes are hidden from the
 * webapp, so the TLS facts come through what the servlet API exposes: the standard
 * {@code jakarta.servlet.request.X509Certificate} attribute, and the SNI from the container's
 * {@code SslSessionData} attribute, read through its {@code sslSession()} accessor when it is the container's own
 * class.
 */
final class ServletClientRequest implements ClientRequest {
    private static final String PEER_CERTIFICATES = "jakarta.servlet.request.X509Certificate";
    private static final ClassValue<Method> SSL_SESSION_ACCESSOR = new ClassValue<>() {
        @Override
        protected Method computeValue(Class<?> type) {
            try {
                Method accessor = type.getMethod("sslSession");
                accessor.setAccessible(true);
                return accessor;
            } catch (ReflectiveOperationException | RuntimeException e) {
                return null;
            }
        }
    };

    private final HttpServletRequest request;
    private final boolean hasContent;
    private final long beginNanos = System.nanoTime();
    private HttpFields headers;

    ServletClientRequest(HttpServletRequest request, boolean hasContent) {
        this.request = request;
        this.hasContent = hasContent;
    }

    @Override
    public String method() {
        return request.getMethod();
    }

    @Override
    public String path() {
        return request.getRequestURI();
    }

    @Override
    public String query() {
        return request.getQueryString();
    }

    /** The servlet API gives the target's authority only as the name and port it resolved (from it, or from Host). */
    @Override
    public String targetAuthority() {
        String name = request.getServerName();
        if (name == null || name.isEmpty()) {
            return null;
        }
        int port = request.getServerPort();
        boolean defaultPort = port == ("https".equals(request.getScheme()) ? 443 : 80);
        return defaultPort || port <= 0 ? name : name + ":" + port;
    }

    @Override
    public String hostHeader() {
        return request.getHeader("Host");
    }

    @Override
    public HttpFields headers() {
        if (headers == null) {
            HttpFields.Mutable fields = HttpFields.build();
            for (Enumeration<String> names = request.getHeaderNames(); names.hasMoreElements(); ) {
                String name = names.nextElement();
                for (Enumeration<String> values = request.getHeaders(name); values.hasMoreElements(); ) {
                    fields.add(name, values.nextElement());
                }
            }
            headers = fields.asImmutable();
        }
        return headers;
    }

    @Override
    public String protocol() {
        return request.getProtocol();
    }

    @Override
    public String scheme() {
        return request.getScheme();
    }

    @Override
    public String remoteAddress() {
        return request.getRemoteAddr();
    }

    /** Null where the container's request cannot be reached ({@link ContainerTunnels}). */
    @Override
    public String tunnelProtocol() {
        try {
            return ContainerTunnels.tunnelProtocol(request);
        } catch (LinkageError hidden) {
            return null;
        }
    }

    @Override
    public String localAddress() {
        return request.getLocalAddr();
    }

    @Override
    public int localPort() {
        return request.getLocalPort();
    }

    @Override
    public boolean hasContent() {
        return hasContent;
    }

    @Override
    public String sni() {
        SSLSession session = sslSession(request.getAttribute(EndPoint.SslSessionData.ATTRIBUTE));
        Object sni = session == null ? null : session.getValue(SslContextFactory.Server.SNI_HOST);
        return sni instanceof String name ? name : null;
    }

    @Override
    public boolean hasClientCertificate() {
        return request.getAttribute(PEER_CERTIFICATES) instanceof Object[] certificates && certificates.length > 0;
    }

    /** When the proxy servlet got the request (the container's own begin time is not visible to a webapp). */
    @Override
    public long beginNanos() {
        return beginNanos;
    }

    private static SSLSession sslSession(Object sslSessionData) {
        if (sslSessionData instanceof EndPoint.SslSessionData data) {
            return data.sslSession();
        }
        Method accessor = sslSessionData == null ? null : SSL_SESSION_ACCESSOR.get(sslSessionData.getClass());
        try {
            return accessor != null && accessor.invoke(sslSessionData) instanceof SSLSession session ? session : null;
        } catch (ReflectiveOperationException e) {
            return null;
        }
    }
}
