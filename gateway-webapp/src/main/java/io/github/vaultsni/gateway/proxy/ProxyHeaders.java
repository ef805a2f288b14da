package io.github.vaultsni.gateway.proxy;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;

import java.util.EnumSet;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Which headers cross the proxy, in each direction, and the forwarding headers it adds.
 *
 * <p>Proxy-to-server: the client's headers except the hop-by-hop ones (RFC 9110 §7.6.1: {@code Connection} and
 * those it names, {@code Keep-Alive}, {@code Proxy-*}, {@code TE}, {@code Trailer}, {@code Transfer-Encoding},
 * {@code Upgrade}) and {@code Expect} (the gateway answers {@code 100-continue} itself when it reads the body, as
 * nginx does); HTTP/2 cookie fields joined into one {@code Cookie} (RFC 9113 §8.2.3); {@code Host} as the
 * upstream's {@code pass_host} says; then {@code X-Forwarded-For} (appended), {@code X-Forwarded-Proto},
 * {@code X-Forwarded-Host}, {@code X-Forwarded-Port}, {@code X-Real-IP}, and {@code Via} and {@code Forwarded}
 * (RFC 7239) appended to what the client sent.
 *
 * <p>Server-to-proxy: the upstream's headers except the hop-by-hop ones, and its {@code Date} and {@code Server},
 * which the gateway's own replace (one of each, as nginx sends).
 */
final class ProxyHeaders {
    private static final String X_REAL_IP = "X-Real-IP";
    /** Request headers not copied as they are: hop-by-hop, or set below from the client's values. */
    private static final EnumSet<HttpHeader> REQUEST_REPLACED = EnumSet.of(HttpHeader.CONNECTION,
            HttpHeader.KEEP_ALIVE, HttpHeader.PROXY_AUTHORIZATION, HttpHeader.PROXY_AUTHENTICATE,
            HttpHeader.PROXY_CONNECTION, HttpHeader.TRANSFER_ENCODING, HttpHeader.TE, HttpHeader.TRAILER,
            HttpHeader.UPGRADE, HttpHeader.EXPECT, HttpHeader.HOST, HttpHeader.COOKIE, HttpHeader.X_FORWARDED_FOR,
            HttpHeader.X_FORWARDED_PROTO, HttpHeader.X_FORWARDED_HOST, HttpHeader.X_FORWARDED_PORT, HttpHeader.VIA,
            HttpHeader.FORWARDED);
    private static final EnumSet<HttpHeader> RESPONSE_DROPPED = EnumSet.of(HttpHeader.CONNECTION,
            HttpHeader.KEEP_ALIVE, HttpHeader.PROXY_AUTHENTICATE, HttpHeader.PROXY_CONNECTION,
            HttpHeader.TRANSFER_ENCODING, HttpHeader.TE, HttpHeader.TRAILER, HttpHeader.UPGRADE, HttpHeader.DATE,
            HttpHeader.SERVER);

    private final String via10;
    private final String via11;
    private final String via20;
    private final String viaHost;

    /** @param viaHost this gateway's name in {@code Via} */
    ProxyHeaders(String viaHost) {
        this.viaHost = viaHost;
        this.via10 = "1.0 " + viaHost;
        this.via11 = "1.1 " + viaHost;
        this.via20 = "2.0 " + viaHost;
    }

    /** Whether an upstream's response header goes on to the client. */
    static boolean forwardsResponseHeader(HttpField field) {
        HttpHeader header = field.getHeader();
        return header == null || !RESPONSE_DROPPED.contains(header);
    }

    /** Whether an upstream's response header, by name, goes on to the client. */
    static boolean forwardsResponseHeader(String name) {
        HttpHeader header = HttpHeader.CACHE.get(name);
        return header == null || !RESPONSE_DROPPED.contains(header);
    }

    /**
     * Writes into {@code out} the headers of the proxy-to-server request for {@code request}.
     *
     * @param host the {@code Host} to send (from {@code pass_host}), or null to leave it to the client library
     */
    void writeRequestHeaders(GatewayRequest request, String host, HttpFields.Mutable out) {
        HttpFields in = request.headers();
        Set<String> named = connectionNamed(in);
        String forwardedFor = null;
        String via = null;
        String forwarded = null;
        StringBuilder cookies = null;
        String cookie = null;
        for (HttpField field : in) {
            HttpHeader header = field.getHeader();
            if (header != null && REQUEST_REPLACED.contains(header)) {
                switch (header) {
                    case X_FORWARDED_FOR -> forwardedFor = joined(forwardedFor, field.getValue());
                    case VIA -> via = joined(via, field.getValue());
                    case FORWARDED -> forwarded = joined(forwarded, field.getValue());
                    case COOKIE -> {
                        if (cookie == null) {
                            cookie = field.getValue();
                        } else {
                            cookies = (cookies == null ? new StringBuilder(cookie) : cookies).append("; ").append(field.getValue());
                        }
                    }
                    default -> {
                    }
                }
            } else if ((named == null || !named.contains(field.getLowerCaseName()))
                    && !field.is(X_REAL_IP)) {
                out.add(field);
            }
        }
        if (cookie != null) {
            out.add(HttpHeader.COOKIE, cookies == null ? cookie : cookies.toString());
        }
        if (host != null) {
            out.add(HttpHeader.HOST, host);
        }
        String client = request.remoteAddress();
        String authority = request.authority();
        out.add(HttpHeader.X_FORWARDED_FOR, forwardedFor == null ? client : forwardedFor + ", " + client);
        out.add(HttpHeader.X_FORWARDED_PROTO, request.scheme());
        if (authority != null) {
            out.add(HttpHeader.X_FORWARDED_HOST, authority);
        }
        out.add(HttpHeader.X_FORWARDED_PORT, request.localPort());
        out.add(X_REAL_IP, client);
        String ours = via(request.protocol());
        out.add(HttpHeader.VIA, via == null ? ours : via + ", " + ours);
        String forwardedHere = "by=" + quoted(request.localAddress()) + ";for=" + quoted(client)
                + (authority == null ? "" : ";host=" + quoted(authority)) + ";proto=" + request.scheme();
        out.add(HttpHeader.FORWARDED, forwarded == null ? forwardedHere : forwarded + ", " + forwardedHere);
    }

    private String via(String protocol) {
        return switch (protocol) {
            case "HTTP/1.1" -> via11;
            case "HTTP/2.0" -> via20;
            case "HTTP/1.0" -> via10;
            default -> (protocol.startsWith("HTTP/") ? protocol.substring(5) : protocol) + " " + viaHost;
        };
    }

    /** An RFC 7239 quoted-string, always quoted (as Jetty's proxies do); addresses and hosts rarely need escapes. */
    private static String quoted(String value) {
        if (value.indexOf('"') < 0 && value.indexOf('\\') < 0) {
            return "\"" + value + "\"";
        }
        return HttpField.PARAMETER_TOKENIZER.quote(value);
    }

    private static String joined(String previous, String value) {
        return previous == null ? value : previous + ", " + value;
    }

    /** The lower-case names listed by {@code Connection} (hop-by-hop by RFC 9110 §7.6.1), or null for none. */
    private static Set<String> connectionNamed(HttpFields headers) {
        Set<String> names = null;
        for (HttpField field : headers) {
            if (field.getHeader() == HttpHeader.CONNECTION) {
                for (String name : field.getValues()) {
                    if (names == null) {
                        names = new HashSet<>();
                    }
                    names.add(name.trim().toLowerCase(Locale.ROOT));
                }
            }
        }
        return names;
    }
}
