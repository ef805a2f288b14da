package io.github.vaultsni.gateway.listener;

import org.eclipse.jetty.http.HttpCompliance;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.http.HttpVersion;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ChunkFramingParser} fed as a connection would: in one read, or a byte per read (so a chunk's data and what
 * follows it arrive apart), whole messages and broken ones.
 */
class ChunkFramingParserTest {
    private static final String HEAD = "POST /a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 7, 4096})
    void wellFramedChunks_areReadWhole_howeverTheBytesArrive(int readSize) {
        Parsed parsed = parse(HEAD + "3\r\nhel\r\n5;ext=1\r\nlowor\r\n2\r\nld\r\n0\r\nTrailer: t\r\n\r\n", readSize);
        assertFalse(parsed.endedEarly);
        assertEquals("helloworld", parsed.body.toString());
        assertTrue(parsed.complete);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 7, 4096})
    void bytesAfterAChunksData_are400_howeverTheBytesArrive(int readSize) {
        for (String body : new String[]{"3\r\nhelAAAA\r\n5\r\nworld\r\n0\r\n\r\n", "3\r\nhelx\r\n0\r\n\r\n",
                "3\r\nhel \r\n0\r\n\r\n", "3\r\nhel\rx\n0\r\n\r\n"}) {
            Parsed parsed = parse(HEAD + body, readSize);
            assertTrue(parsed.endedEarly, body.replace("\r", "\\r").replace("\n", "\\n") + " read as " + parsed.body);
            assertFalse(parsed.complete, body);
            assertFalse(parsed.body.toString().contains("world"), "nothing past the junk is read: " + body);
        }
    }

    private static Parsed parse(String message, int readSize) {
        Parsed parsed = new Parsed();
        HttpParser parser = new ChunkFramingParser(parsed, 8192, HttpCompliance.RFC9110);
        byte[] bytes = message.getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer buffer = ByteBuffer.allocate(bytes.length);
        buffer.limit(0);
        for (int at = 0; at < bytes.length && !parsed.endedEarly && !parsed.complete; ) {
            int n = Math.min(readSize, bytes.length - at);
            int position = buffer.position();
            buffer.limit(buffer.limit() + n);
            buffer.put(buffer.limit() - n, bytes, at, n).position(position);
            at += n;
            while (buffer.hasRemaining() && parser.parseNext(buffer)) {
                // a handler answering true stops the parser after each part, as Jetty's connection does
            }
        }
        return parsed;
    }

    /** What the parser told its handler. */
    private static final class Parsed implements HttpParser.RequestHandler {
        final StringBuilder body = new StringBuilder();
        /** A message that fails past its headers ends early: the connection fails its content, and answers 400. */
        boolean endedEarly;
        boolean complete;

        @Override
        public void startRequest(String method, String uri, HttpVersion version) {
        }

        @Override
        public void parsedHeader(HttpField field) {
        }

        @Override
        public boolean headerComplete() {
            return true;
        }

        @Override
        public boolean content(ByteBuffer content) {
            body.append(StandardCharsets.ISO_8859_1.decode(content));
            return true;
        }

        @Override
        public boolean contentComplete() {
            return false;
        }

        @Override
        public boolean messageComplete() {
            complete = true;
            return true;
        }

        @Override
        public void earlyEOF() {
            endedEarly = true;
        }
    }
}
