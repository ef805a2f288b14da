package io.github.vaultsni.gateway.proxy;

import io.github.vaultsni.gateway.route.Upstream;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;

/**
 * What APISIX's {@code chash} balancer hashes for a request: {@code hash_on: header} the named header,
 * {@code cookie} the named cookie, {@code vars} with {@code key: uri} (or {@code request_uri}) the path, and by
 * default the client's address.
 */
final class HashKeys {
    private HashKeys() {
    }

    /** @param path the request's normalised path */
    static String of(GatewayRequest request, String path, Upstream upstream) {
        Upstream.HashOn hashOn = upstream.hashOn();
        return switch (hashOn.on()) {
            case "header" -> request.headers().get(hashOn.key());
            case "cookie" -> cookie(request, hashOn.key());
            default -> hashOn.key().equals("uri") || hashOn.key().equals("request_uri") ? path : request.remoteAddress();
        };
    }

    /** The value of cookie {@code name} (RFC 6265 {@code name=value; name2=value2}), or null. */
    private static String cookie(GatewayRequest request, String name) {
        for (HttpField field : request.headers()) {
            if (field.getHeader() != HttpHeader.COOKIE) {
                continue;
            }
            for (String pair : field.getValue().split(";")) {
                int eq = pair.indexOf('=');
                if (eq > 0 && pair.substring(0, eq).trim().equalsIgnoreCase(name)) {
                    return pair.substring(eq + 1).trim();
                }
            }
        }
        return null;
    }
}
