package io.github.vaultsni.gateway.proxy;

import org.eclipse.jetty.http.HttpFields;

/**
 * What the {@link Forwarder} reads of a client's request, whichever door it came through: the jetty-core handler
 * ({@link GatewayProxyHandler}) or the servlet ({@link GatewayProxyServlet}). Each door adapts its own request
 * type to this, so every proxy decision is made once, in the forwarding core, from the same facts.
 */
public interface ClientRequest {

    String method();

    /** The path as the client sent it (still percent-encoded), without the query. */
    String path();

    /** The query as the client sent it (without {@code ?}), or null. */
    String query();

    /**
     * What the client addressed, {@code host[:port]} as sent: the {@code Host} header (HTTP/1) or
     * {@code :authority} (HTTP/2, which has no {@code Host} header); null when it sent neither.
     */
    String authority();

    /** The host of {@link #authority()}, lower case, without port; null when the client named none. */
    String host();

    /** The request's headers; for HTTP/2, without pseudo-headers. */
    HttpFields headers();

    /** {@code HTTP/1.1}, {@code HTTP/2.0}, ... */
    String protocol();

    /** {@code http} or {@code https}: how the client reached the gateway. */
    String scheme();

    String remoteAddress();

    String localAddress();

    int localPort();

    /** Whether a body follows the headers (a length above zero, chunked, or an HTTP/2 stream left open). */
    boolean hasContent();

    /** The SNI the TLS connection selected (normalised), or null (not TLS, or no SNI). */
    String sni();

    /** Whether the client presented a certificate that was verified during the TLS handshake. */
    boolean hasClientCertificate();

    /** When the request began ({@link System#nanoTime()}), for its latency. */
    long beginNanos();
}
