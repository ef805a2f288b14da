package io.github.vaultsni.gateway.route;

import java.util.List;

/**
 * What a route's filters read of a request: the request model's view for matching ({@code GatewayRequest}
 * implements it), so that hosts, methods, client addresses and {@code vars} all read the one value the request was
 * checked with when it entered.
 */
public interface RouteRequest {
    /** The host the client addressed, lower case, without port; null when it named none. */
    String host();

    String method();

    /** The normalised, decoded path (nginx's {@code $uri}). */
    String decodedPath();

    /** The path as sent, still percent-encoded. */
    String rawPath();

    /** The query as sent, without {@code ?}; null for none. */
    String query();

    String scheme();

    String protocol();

    /** The client's IP address (IPv6 possibly in brackets). */
    String remoteAddress();

    /** {@link #remoteAddress()} as 4 or 16 bytes ({@link ClientAddresses#parse}), or null; read once per request. */
    byte[] remoteAddressBytes();

    String localAddress();

    int localPort();

    /** The SNI of the TLS connection, or null. */
    String sni();

    /** The first value of a header field (any case), or null. */
    String header(String name);

    /** The values of a header field, in order; empty when absent. */
    List<String> headerValues(String name);

    /** The first decoded value of a query parameter (its name as sent, case-sensitive), or null. */
    String queryParameter(String name);

    /** The decoded values of a query parameter, in order; empty when absent. */
    List<String> queryParameters(String name);

    /** The value of a cookie, or null. */
    String cookie(String name);
}
