package io.github.vaultsni.gateway.proxy;

import io.github.vaultsni.gateway.route.ClientAddresses;
import io.github.vaultsni.gateway.route.RouteRequest;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.util.UrlEncoded;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * A client's request as the gateway understands it: read once, when it enters, from whichever door and protocol
 * it came through (HTTP/1.1, h2c, h2), and checked then. Everything after (the client-certificate rules, the route
 * table, the upstream request and its {@code Host}, the access log, the meters) reads this, never the door's own
 * request, so they all see one method, one authority and one path. Immutable.
 *
 * <p>What is checked, in this order, and the status a request that fails gets (its {@link #refusal()}; nothing of
 * it is proxied):
 * <ol>
 *   <li>the method is an RFC 9110 token ({@code !#$%&'*+-.^_`|~}, digits, letters) without lower-case letters, as
 *       nginx takes them: else 400. An HTTP/1.1 request line cannot carry another, but HTTP/2's {@code :method} can
 *       ({@code "GET /ADMIN/SECRET?"} was once written into the upstream's request line), and {@code trace} would
 *       pass a case-sensitive TRACE check to an upstream that reads methods case-insensitively;</li>
 *   <li>{@code TRACE} and {@code CONNECT}: 405, as nginx (never proxied), but for an HTTP/2 extended
 *       {@code CONNECT} opening a WebSocket (RFC 8441), which is read as the {@code GET} of a WebSocket handshake;</li>
 *   <li>at most {@value Forwarder#MAX_REQUEST_HEADERS} header fields: else 431;</li>
 *   <li>one authority: the request target's ({@code :authority} in HTTP/2, the absolute-form URI in HTTP/1.1, RFC
 *       9112 §3.2.2), else the {@code Host} header; an HTTP/2 request whose {@code host} field names another
 *       authority than its {@code :authority} is malformed (RFC 9113 §8.3.1): 400;</li>
 *   <li>the path normalises ({@link RequestPath}): else 400.</li>
 * </ol>
 */
public final class GatewayRequest implements RouteRequest {
    private static final boolean[] TCHAR = new boolean[128];

    static {
        for (char c : "!#$%&'*+-.^_`|~0123456789".toCharArray()) {
            TCHAR[c] = true;
        }
        for (char c = 'A'; c <= 'Z'; c++) {
            TCHAR[c] = true; // lower case is a token too, but no method nginx (or APISIX) takes
        }
    }

    /** What the door's request said, copied when read: a door may recycle its request before a tunnel ends. */
    private final String rawPath;
    private final String query;
    private final HttpFields headers;
    private final String protocol;
    private final String scheme;
    private final String remoteAddress;
    private final String localAddress;
    private final int localPort;
    private final boolean hasContent;
    private final String sni;
    private final boolean hasClientCertificate;
    private final long beginNanos;
    private final String method;
    private final String authority;
    private final String host;
    private final RequestPath path;
    private final Refusal refusal;
    private final boolean webSocket;
    private final boolean extendedConnect;
    /** The client's address as bytes, parsed when a route's filters first ask (empty: not an address). */
    private byte[] remoteAddressBytes;

    private GatewayRequest(ClientRequest raw, boolean extendedConnect, String authority, RequestPath path,
                           Refusal refusal) {
        this.rawPath = raw.path() == null ? "" : raw.path(); // a CONNECT's authority-form target has none
        this.query = raw.query();
        this.headers = raw.headers();
        this.protocol = raw.protocol();
        this.scheme = raw.scheme();
        this.remoteAddress = raw.remoteAddress();
        this.localAddress = raw.localAddress();
        this.localPort = raw.localPort();
        this.hasContent = raw.hasContent();
        this.sni = raw.sni();
        this.hasClientCertificate = raw.hasClientCertificate();
        this.beginNanos = raw.beginNanos();
        this.extendedConnect = extendedConnect;
        this.webSocket = extendedConnect || "GET".equals(raw.method()) && isUpgrade(raw.headers());
        this.method = extendedConnect ? "GET" : raw.method();
        this.authority = authority;
        this.host = hostOf(authority);
        this.path = path;
        this.refusal = refusal;
    }

    /** The request {@code raw} a door reads, checked: a request to forward, or one {@link #refused()} and why. */
    public static GatewayRequest read(ClientRequest raw) {
        String method = raw.method();
        String target = raw.targetAuthority();
        String hostField = raw.hostHeader();
        String authority = target != null ? target : hostField;
        if (!isMethod(method)) {
            return refused(raw, authority, new Refusal(400, "400 Bad Request: invalid method"));
        }
        // asked of a CONNECT only: the servlet door answers it through the container's request
        boolean extendedConnect = method.equals("CONNECT") && "websocket".equals(raw.tunnelProtocol());
        if (method.equals("TRACE") || method.equals("CONNECT") && !extendedConnect) {
            return refused(raw, authority, Refusal.of(405)); // as nginx: never proxied
        }
        if (raw.headers().size() > Forwarder.MAX_REQUEST_HEADERS) {
            return refused(raw, authority, Refusal.of(431));
        }
        if (target != null && hostField != null && raw.protocol().startsWith("HTTP/2")
                && !sameAuthority(target, hostField, raw.scheme())) {
            return refused(raw, target, new Refusal(400, "400 Bad Request: the host header and :authority differ"));
        }
        RequestPath path = RequestPath.normalize(raw.path());
        if (path == null) {
            return refused(raw, authority, Refusal.of(400));
        }
        return new GatewayRequest(raw, extendedConnect, authority, path, null);
    }

    private static GatewayRequest refused(ClientRequest raw, String authority, Refusal refusal) {
        return new GatewayRequest(raw, false, authority, null, refusal);
    }

    /** Whether {@code method} is an RFC 9110 token without lower-case letters. */
    static boolean isMethod(String method) {
        if (method == null || method.isEmpty()) {
            return false;
        }
        for (int i = 0; i < method.length(); i++) {
            char c = method.charAt(i);
            if (c >= 128 || !TCHAR[c]) {
                return false;
            }
        }
        return true;
    }

    /** Whether two authorities name one host and port (a port left out is the scheme's). */
    private static boolean sameAuthority(String a, String b, String scheme) {
        return hostOf(a).equals(hostOf(b)) && portOf(a, scheme) == portOf(b, scheme);
    }

    private static int portOf(String authority, String scheme) {
        int colon = authority.lastIndexOf(':');
        int bracket = authority.lastIndexOf(']');
        if (colon > bracket) {
            try {
                return Integer.parseInt(authority.substring(colon + 1));
            } catch (NumberFormatException e) {
                return -1;
            }
        }
        return "https".equals(scheme) ? 443 : 80;
    }

    /** The host of an authority ({@code host[:port]}, {@code [v6]:port}), lower case; null for none. */
    private static String hostOf(String authority) {
        if (authority == null || authority.isEmpty()) {
            return null;
        }
        int end = authority.startsWith("[") ? authority.indexOf(']') + 1 : authority.indexOf(':');
        String name = end > 0 && end <= authority.length() ? authority.substring(0, end) : authority;
        return name.toLowerCase(Locale.ROOT);
    }

    /** An HTTP/1.1 {@code Upgrade: websocket} with {@code Connection: upgrade}. */
    private static boolean isUpgrade(HttpFields headers) {
        String upgrade = headers.get(HttpHeader.UPGRADE);
        return upgrade != null && upgrade.toLowerCase(Locale.ROOT).contains("websocket")
                && headers.contains(HttpHeader.CONNECTION, "upgrade");
    }

    /**
     * Whether the client asks to open a WebSocket: an HTTP/1.1 {@code GET} with {@code Upgrade: websocket}, or an
     * HTTP/2 extended {@code CONNECT} with {@code :protocol websocket} (whose {@link #method()} reads {@code GET}).
     */
    public boolean isWebSocket() {
        return webSocket;
    }

    /** Whether this is an HTTP/2 extended {@code CONNECT} opening a WebSocket (RFC 8441), read as its {@code GET}. */
    public boolean isExtendedConnect() {
        return extendedConnect;
    }

    /** How the gateway answers this request itself, without an upstream; null for one that goes on. */
    public Refusal refusal() {
        return refusal;
    }

    /** The method, as sent (a token, unless refused). */
    public String method() {
        return method;
    }

    /** What the client addressed, {@code host[:port]} as sent; null when it named nothing. */
    public String authority() {
        return authority;
    }

    /** The host of {@link #authority()}, lower case, without port; null when the client named none. */
    public String host() {
        return host;
    }

    /** The normalised path; null for a request refused before it was read. */
    public RequestPath path() {
        return path;
    }

    @Override
    public String decodedPath() {
        return path.decoded();
    }

    @Override
    public String header(String name) {
        return headers.get(name);
    }

    @Override
    public List<String> headerValues(String name) {
        return headers.getValuesList(name);
    }

    @Override
    public String queryParameter(String name) {
        List<String> values = parameters(name, true);
        return values.isEmpty() ? null : values.get(0);
    }

    @Override
    public List<String> queryParameters(String name) {
        return parameters(name, false);
    }

    /**
     * The decoded values of a query parameter, scanning the query as sent (no map is built: a route's vars ask
     * for one or two names).
     */
    private List<String> parameters(String name, boolean firstOnly) {
        if (query == null) {
            return List.of();
        }
        List<String> values = List.of();
        for (int start = 0; start <= query.length(); ) {
            int end = query.indexOf('&', start);
            end = end < 0 ? query.length() : end;
            int eq = query.indexOf('=', start);
            int nameEnd = eq < 0 || eq > end ? end : eq;
            if (sameName(query, start, nameEnd, name)) {
                String decoded = decoded(nameEnd == end ? "" : query.substring(nameEnd + 1, end));
                if (firstOnly) {
                    return List.of(decoded);
                }
                values = values.isEmpty() ? new java.util.ArrayList<>() : values;
                values.add(decoded);
            }
            start = end + 1;
        }
        return values;
    }

    private static boolean sameName(String query, int from, int to, String name) {
        for (int i = from; i < to; i++) {
            char c = query.charAt(i);
            if (c == '%' || c == '+') {
                return name.equals(decoded(query.substring(from, to)));
            }
        }
        return to - from == name.length() && query.startsWith(name, from);
    }

    /**
     * A query component decoded ({@code %xx}, {@code +} as space, UTF-8); a malformed escape leaves it as sent, as
     * nginx's argument parsing does (skipping the pair would let a later pair of the same name stand in for it).
     */
    private static String decoded(String component) {
        if (component.indexOf('%') < 0 && component.indexOf('+') < 0) {
            return component;
        }
        try {
            return UrlEncoded.decodeString(component, 0, component.length(), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException malformed) {
            return component;
        }
    }

    @Override
    public String cookie(String name) {
        for (HttpField field : headers) {
            if (field.getHeader() == HttpHeader.COOKIE) {
                String value = cookieIn(field.getValue(), name);
                if (value != null) {
                    return value;
                }
            }
        }
        return null;
    }

    /** The value of cookie {@code name} in one Cookie header ({@code a=1; b=2}), or null. */
    private static String cookieIn(String header, String name) {
        for (int start = 0; start < header.length(); ) {
            int end = header.indexOf(';', start);
            end = end < 0 ? header.length() : end;
            while (start < end && header.charAt(start) == ' ') {
                start++;
            }
            int eq = header.indexOf('=', start);
            if (eq > start && eq < end && eq - start == name.length() && header.startsWith(name, start)) {
                return header.substring(eq + 1, end).strip();
            }
            start = end + 1;
        }
        return null;
    }

    @Override
    public byte[] remoteAddressBytes() {
        if (remoteAddressBytes == null) {
            byte[] parsed = ClientAddresses.parse(remoteAddress);
            remoteAddressBytes = parsed == null ? new byte[0] : parsed;
        }
        return remoteAddressBytes.length == 0 ? null : remoteAddressBytes;
    }

    /** The path as the client sent it (still percent-encoded), for the access log; empty for none (CONNECT). */
    @Override
    public String rawPath() {
        return rawPath;
    }

    /** The query as the client sent it (without {@code ?}), or null. */
    public String query() {
        return query;
    }

    /** The request's header fields (for HTTP/2, without pseudo-headers); its {@code Host} is never forwarded as is. */
    public HttpFields headers() {
        return headers;
    }

    /** {@code HTTP/1.1}, {@code HTTP/2.0}, ... */
    public String protocol() {
        return protocol;
    }

    /** {@code http} or {@code https}: how the client reached the gateway. */
    public String scheme() {
        return scheme;
    }

    public String remoteAddress() {
        return remoteAddress;
    }

    public String localAddress() {
        return localAddress;
    }

    public int localPort() {
        return localPort;
    }

    /** Whether a body follows the headers. */
    public boolean hasContent() {
        return hasContent;
    }

    /** The SNI the TLS connection selected (normalised), or null (not TLS, or no SNI). */
    public String sni() {
        return sni;
    }

    /** Whether the client presented a certificate that was verified during the TLS handshake. */
    public boolean hasClientCertificate() {
        return hasClientCertificate;
    }

    /** When the request began ({@link System#nanoTime()}), for its latency. */
    public long beginNanos() {
        return beginNanos;
    }
}
