package io.github.vaultsni.gateway.accesslog;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * What an access-log field must not show: the admin key given as the {@code api_key} query parameter (its value
 * becomes {@code ***}, however its name is percent-encoded, as the admin API decodes it) and the user info of an
 * absolute URL ({@code https://user:password@host/} becomes {@code https://***@host/}). Pure functions.
 */
final class Redaction {
    static final String MASK = "***";
    private static final String API_KEY = "api_key";

    private Redaction() {
    }

    /** A request target or URL ({@code /path?query}, {@code http://host/path?query}) with its credentials masked. */
    static String url(String url) {
        if (url == null) {
            return null;
        }
        String masked = userInfo(url);
        int q = masked.indexOf('?');
        return q < 0 ? masked : masked.substring(0, q + 1) + query(masked.substring(q + 1));
    }

    /** A query string with every {@code api_key} value masked. */
    static String query(String query) {
        if (query == null || query.indexOf('=') < 0) {
            return query;
        }
        StringBuilder out = new StringBuilder(query.length());
        int start = 0;
        while (start <= query.length()) {
            int end = query.indexOf('&', start);
            if (end < 0) {
                end = query.length();
            }
            String pair = query.substring(start, end);
            int eq = pair.indexOf('=');
            if (out.length() > 0 || start > 0) {
                out.append('&');
            }
            out.append(eq >= 0 && isApiKey(pair.substring(0, eq)) ? pair.substring(0, eq + 1) + MASK : pair);
            start = end + 1;
        }
        return out.toString();
    }

    private static boolean isApiKey(String name) {
        if (name.equalsIgnoreCase(API_KEY)) {
            return true;
        }
        try {
            return name.indexOf('%') >= 0 && URLDecoder.decode(name, StandardCharsets.UTF_8).equalsIgnoreCase(API_KEY);
        } catch (IllegalArgumentException malformed) {
            return false;
        }
    }

    private static String userInfo(String url) {
        int scheme = url.indexOf("://");
        if (scheme < 0) {
            return url;
        }
        int authority = scheme + 3;
        int end = authority;
        while (end < url.length() && "/?#".indexOf(url.charAt(end)) < 0) {
            end++;
        }
        int at = url.lastIndexOf('@', end - 1);
        return at < authority ? url : url.substring(0, authority) + MASK + url.substring(at);
    }
}
