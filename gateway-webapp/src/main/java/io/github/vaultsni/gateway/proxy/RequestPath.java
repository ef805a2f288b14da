package io.github.vaultsni.gateway.proxy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A request path as the proxy routes and forwards it: normalised once, the way nginx (and so APISIX) normalises
 * {@code $uri}, so that what a route matched is exactly what reaches the upstream, and dot segments cannot cross
 * from one route into another ({@code /x/../h/a} is {@code /h/a} for matching and forwarding alike).
 *
 * <p>From the raw path: percent-escapes decoded (a decoded {@code /} separates segments, as nginx's does), empty
 * segments merged ({@code //} is {@code /}), {@code .} dropped and {@code ..} removing the segment before it (RFC
 * 3986 §5.2.4; a trailing one leaves a trailing slash). Refused, as nginx refuses them with 400: a path that does
 * not start with {@code /}, a malformed escape, a decoded NUL, bytes that are not UTF-8, {@code ..} above the root.
 * What is forwarded re-encodes the normalised segments: unreserved characters, RFC 3986 sub-delimiters, {@code :}
 * and {@code @} as they are, everything else percent-encoded. A path already in that form costs one scan.
 *
 * @param decoded   the normalised path, decoded: what routes and {@code skip_mtls_uri_regex} match
 * @param forwarded the normalised path, percent-encoded where it must be: what the upstream receives
 */
public record RequestPath(String decoded, String forwarded) {
    private static final boolean[] PCHAR = new boolean[128];
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    static {
        for (char c = 'a'; c <= 'z'; c++) {
            PCHAR[c] = true;
            PCHAR[Character.toUpperCase(c)] = true;
        }
        for (char c = '0'; c <= '9'; c++) {
            PCHAR[c] = true;
        }
        for (char c : "-._~!$&'()*+,;=:@".toCharArray()) {
            PCHAR[c] = true;
        }
    }

    /** The normalised form of {@code raw} (a request path, no query), or null when it must be refused with 400. */
    public static RequestPath normalize(String raw) {
        if (raw == null || raw.isEmpty() || raw.charAt(0) != '/') {
            return null;
        }
        if (isNormal(raw)) {
            return new RequestPath(raw, raw);
        }
        String decoded = decode(raw);
        if (decoded == null) {
            return null;
        }
        Deque<String> segments = new ArrayDeque<>();
        String[] parts = decoded.split("/", -1);
        boolean directory = false;
        for (int i = 1; i < parts.length; i++) {
            boolean last = i == parts.length - 1;
            switch (parts[i]) {
                case "", "." -> directory = last;
                case ".." -> {
                    if (segments.isEmpty()) {
                        return null;
                    }
                    segments.removeLast();
                    directory = last;
                }
                default -> {
                    segments.addLast(parts[i]);
                    directory = false;
                }
            }
        }
        StringBuilder path = new StringBuilder(decoded.length() + 1);
        StringBuilder forwarded = new StringBuilder(raw.length() + 1);
        for (String segment : segments) {
            path.append('/').append(segment);
            forwarded.append('/');
            encode(segment, forwarded);
        }
        if (directory || segments.isEmpty()) {
            path.append('/');
            forwarded.append('/');
        }
        return new RequestPath(path.toString(), forwarded.toString());
    }

    /** Whether {@code raw} needs nothing done: only path characters, no escape, no empty or dot segment. */
    private static boolean isNormal(String raw) {
        int n = raw.length();
        for (int i = 0; i < n; i++) {
            char c = raw.charAt(i);
            if (c == '/') {
                if (i + 1 < n && raw.charAt(i + 1) == '/' || isDotSegment(raw, i + 1)) {
                    return false;
                }
            } else if (c >= 128 || !PCHAR[c]) {
                return false;
            }
        }
        return true;
    }

    /** Whether a {@code .} or {@code ..} segment starts at {@code i}. */
    private static boolean isDotSegment(String raw, int i) {
        int n = raw.length();
        if (i >= n || raw.charAt(i) != '.') {
            return false;
        }
        int end = i + 1 < n && raw.charAt(i + 1) == '.' ? i + 2 : i + 1;
        return end == n || raw.charAt(end) == '/';
    }

    /** The path with its escapes decoded as UTF-8; null for a malformed escape, bytes not UTF-8, or a NUL. */
    private static String decode(String raw) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                int high = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 1), 16) : -1;
                int low = high < 0 ? -1 : Character.digit(raw.charAt(i + 2), 16);
                if (low < 0) {
                    return null;
                }
                bytes.write(high << 4 | low);
                i += 2;
            } else if (c < 128) {
                bytes.write(c);
            } else {
                int codePoint = raw.codePointAt(i);
                bytes.writeBytes(new String(Character.toChars(codePoint)).getBytes(StandardCharsets.UTF_8));
                i += Character.charCount(codePoint) - 1;
            }
        }
        try {
            String decoded = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
            return decoded.indexOf('\0') < 0 ? decoded : null;
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static void encode(String segment, StringBuilder out) {
        for (byte b : segment.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c < 128 && PCHAR[c]) {
                out.append((char) c);
            } else {
                out.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
            }
        }
    }
}
