package io.github.vaultsni.gateway.hardening;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * Requests written byte for byte on a plain socket, as an attacker writes them (no client library to correct a
 * malformed request): what came back before the server closed the connection or fell silent for a second.
 */
final class RawHttp {
    private RawHttp() {
    }

    /** Sends {@code request} (CRLFs included) to 127.0.0.1:{@code port}; the response as text ("" if none). */
    static String exchange(int port, String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(1000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            return readUntilQuiet(socket.getInputStream());
        }
    }

    static String readUntilQuiet(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try {
            for (int n; (n = in.read(buffer)) > 0; ) {
                out.write(buffer, 0, n);
            }
        } catch (SocketTimeoutException quiet) {
            // the server keeps the connection open: what it said so far is its answer
        } catch (IOException reset) {
            // a reset after the answer: keep what arrived
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    /** The status code of a raw response, or 0 when there was none. */
    static int status(String response) {
        return response.startsWith("HTTP/1.1 ") && response.length() >= 12 ? Integer.parseInt(response.substring(9, 12)) : 0;
    }

    /** The body of a raw response (after the blank line). */
    static String body(String response) {
        int end = response.indexOf("\r\n\r\n");
        return end < 0 ? "" : response.substring(end + 4);
    }
}
