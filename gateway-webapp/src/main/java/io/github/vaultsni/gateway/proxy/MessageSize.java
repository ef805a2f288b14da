package io.github.vaultsni.gateway.proxy;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;

/**
 * The bytes of a request or response as HTTP/1.1 writes them, for the bandwidth meters (nginx's
 * {@code $request_length} and {@code $bytes_sent}): start line, header fields, blank line and body. For HTTP/2 it is
 * the size before HPACK compression. Index reads only: no iterator, no allocation.
 */
final class MessageSize {
    /** {@code ": "} and CRLF around each field. */
    private static final int FIELD_OVERHEAD = 4;
    /** The CRLF that ends the start line, and the blank line that ends the headers. */
    private static final int LINE_ENDS = 4;
    private static final int STATUS_LINE = "HTTP/1.1 200 OK".length();

    private MessageSize() {
    }

    /** {@code METHOD target HTTP/x.y}, the fields and {@code body} bytes. */
    static long request(GatewayRequest request, long body) {
        String query = request.query();
        long line = request.method().length() + 1 + request.rawPath().length() + (query == null ? 0 : query.length() + 1)
                + 1 + request.protocol().length();
        return line + fields(request.headers()) + LINE_ENDS + Math.max(0, body);
    }

    /** A {@code HTTP/1.1 200 OK}-sized start line, header fields of {@code fieldBytes} and {@code body} bytes. */
    static long response(long fieldBytes, long body) {
        return STATUS_LINE + fieldBytes + LINE_ENDS + Math.max(0, body);
    }

    /** The size of header fields: name, {@code ": "}, value, CRLF each. */
    static long fields(HttpFields fields) {
        long size = 0;
        for (int i = 0, n = fields.size(); i < n; i++) {
            HttpField field = fields.getField(i);
            size += field(field.getName(), field.getValue());
        }
        return size;
    }

    /** The size of one header field. */
    static long field(String name, String value) {
        return name.length() + (value == null ? 0 : value.length()) + FIELD_OVERHEAD;
    }
}
