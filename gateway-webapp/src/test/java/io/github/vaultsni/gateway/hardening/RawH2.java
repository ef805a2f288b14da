package io.github.vaultsni.gateway.hardening;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * HTTP/2 frames written byte for byte over h2c with prior knowledge (RFC 9113), as an attacker writes them: floods
 * of resets or CONTINUATION frames that no well-behaved client library would send. Reads back what the server
 * sends until it closes the connection or falls quiet.
 */
final class RawH2 implements AutoCloseable {
    static final int HEADERS = 0x1;
    static final int RST_STREAM = 0x3;
    static final int SETTINGS = 0x4;
    static final int GOAWAY = 0x7;
    static final int CONTINUATION = 0x9;
    static final int END_STREAM = 0x1;
    static final int END_HEADERS = 0x4;
    /** RST_STREAM's REFUSED_STREAM (RFC 9113 §7). */
    static final int REFUSED_STREAM = 0x7;

    /** One frame the server sent. */
    record Frame(int type, int flags, int streamId, byte[] payload) {
        /** The error code of a RST_STREAM (or of a GOAWAY, after its last stream id). */
        int errorCode() {
            int offset = type == GOAWAY ? 4 : 0;
            return (payload[offset] & 0xff) << 24 | (payload[offset + 1] & 0xff) << 16 | (payload[offset + 2] & 0xff) << 8
                    | payload[offset + 3] & 0xff;
        }
    }

    /** What the server sent, and whether it closed the connection. */
    record Answer(List<Frame> frames, boolean closed) {
        boolean has(int type) {
            return frames.stream().anyMatch(f -> f.type() == type);
        }
    }

    private final Socket socket;
    private final OutputStream out;

    RawH2(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(1000);
        out = socket.getOutputStream();
        out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        frame(SETTINGS, 0, 0, new byte[0]);
    }

    /** A header block for a GET of {@code path} (HPACK: indexed :method and :scheme, literal :path and :authority). */
    static byte[] get(String path) {
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        block.write(0x82); // :method GET
        block.write(0x86); // :scheme http
        literalIndexedName(block, 4, path);
        literalIndexedName(block, 1, "a");
        return block.toByteArray();
    }

    /** An HPACK literal header field without indexing, with a new name (RFC 7541 §6.2.2). */
    static byte[] literal(String name, String value) {
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        block.write(0x00);
        string(block, name);
        string(block, value);
        return block.toByteArray();
    }

    private static void literalIndexedName(ByteArrayOutputStream block, int index, String value) {
        block.write(index); // 0000xxxx: literal without indexing, indexed name (index < 15)
        string(block, value);
    }

    private static void string(ByteArrayOutputStream block, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.US_ASCII);
        integer(block, bytes.length, 7, 0);
        block.writeBytes(bytes);
    }

    private static void integer(ByteArrayOutputStream block, int value, int prefixBits, int firstByteFlags) {
        int max = (1 << prefixBits) - 1;
        if (value < max) {
            block.write(firstByteFlags | value);
            return;
        }
        block.write(firstByteFlags | max);
        value -= max;
        while (value >= 128) {
            block.write(value % 128 + 128);
            value /= 128;
        }
        block.write(value);
    }

    void frame(int type, int flags, int streamId, byte[] payload) throws IOException {
        byte[] header = {(byte) (payload.length >>> 16), (byte) (payload.length >>> 8), (byte) payload.length,
                (byte) type, (byte) flags, (byte) (streamId >>> 24), (byte) (streamId >>> 16), (byte) (streamId >>> 8),
                (byte) streamId};
        out.write(header);
        out.write(payload);
    }

    void rstStream(int streamId, int errorCode) throws IOException {
        frame(RST_STREAM, 0, streamId, new byte[]{(byte) (errorCode >>> 24), (byte) (errorCode >>> 16),
                (byte) (errorCode >>> 8), (byte) errorCode});
    }

    void flush() throws IOException {
        out.flush();
    }

    /** Reads frames until the server closes the connection or is quiet for a second. */
    Answer read() throws IOException {
        List<Frame> frames = new ArrayList<>();
        DataInputStream in = new DataInputStream(socket.getInputStream());
        try {
            while (true) {
                int length = in.readUnsignedByte() << 16 | in.readUnsignedByte() << 8 | in.readUnsignedByte();
                int type = in.readUnsignedByte();
                int flags = in.readUnsignedByte();
                int streamId = in.readInt() & 0x7fffffff;
                byte[] payload = new byte[length];
                in.readFully(payload);
                frames.add(new Frame(type, flags, streamId, payload));
            }
        } catch (SocketTimeoutException quiet) {
            return new Answer(frames, false);
        } catch (EOFException | SocketException closed) {
            return new Answer(frames, true);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
