package io.github.vaultsni.gateway.proxy;

import org.eclipse.jetty.http.HttpFields;

/**
 * A client's request as a door has it, whichever door it came through: the jetty-core handler
 * ({@link GatewayProxyHandler}) or the servlet ({@link GatewayProxyServlet}). Each door adapts its own request type
 * to this; the {@link Forwarder} reads it once, into the {@link GatewayRequest} every decision is made from.
 */
public interface ClientRequest {

    String method();

    /** The protocol an HTTP/2 extended {@code CONNECT} asks to tunnel (RFC 8441 {@code :protocol}), else null. */
    default String tunnelProtocol() {
        return null;
    }

    /** The path as the client sent it (still percent-encoded), without the query. */
    String path();

    /** The query as the client sent it (without {@code ?}), or null. */
    String query();

    /**
     * The authority of the request target, {@code host[:port]} as sent: HTTP/2's {@code :authority}, or an
     * HTTP/1.1 absolute-form target's; else (origin-form) what the {@code Host} header says, or null.
     */
    String targetAuthority();

    /** The {@code Host} header field's value, or null when there is none (HTTP/2 usually sends none). */
    String hostHeader();

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
