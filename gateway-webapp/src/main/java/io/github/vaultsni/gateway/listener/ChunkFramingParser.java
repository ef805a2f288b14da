package io.github.vaultsni.gateway.listener;

import org.eclipse.jetty.http.BadMessageException;
import org.eclipse.jetty.http.HttpCompliance;
import org.eclipse.jetty.http.HttpParser;

import java.nio.ByteBuffer;

/**
 * Jetty's HTTP/1.1 request parser, refusing the one framing error Jetty 12.1.5 lets through: bytes between a
 * chunk's data and the CRLF that ends it. RFC 9112 §7.1 allows none ({@code chunk-data CRLF}); Jetty skips them,
 * so {@code 3\r\nhelAAAA\r\n5\r\nworld} reached an upstream as {@code helworld}, a body the client never framed
 * (and a way to hide bytes from anything in front that frames the body correctly). nginx answers 400; so does
 * this: a non-CR/LF byte where the chunk's CRLF belongs fails the message as a bad request.
 */
final class ChunkFramingParser extends HttpParser {
    /** The buffer {@link #parseContent} is reading, for {@link #setState} to look at; null between calls. */
    private ByteBuffer parsing;

    ChunkFramingParser(RequestHandler handler, int maxHeaderBytes, HttpCompliance compliance) {
        super(handler, maxHeaderBytes, compliance);
    }

    @Override
    protected boolean parseContent(ByteBuffer buffer) {
        parsing = buffer;
        try {
            requireChunkLineEnd(); // the last call may have ended right after a chunk's data
            return super.parseContent(buffer);
        } finally {
            parsing = null;
        }
    }

    @Override
    protected void setState(State state) {
        super.setState(state);
        if (state == State.CHUNK_END) {
            requireChunkLineEnd();
        }
    }

    /**
     * In {@link State#CHUNK_END}, the next byte is CR or LF (a CR read already leaves its LF next, which Jetty
     * checks; a bare LF is Jetty's {@code LF_CHUNK_TERMINATION} compliance question).
     */
    private void requireChunkLineEnd() {
        if (parsing != null && parsing.hasRemaining() && getState() == State.CHUNK_END) {
            byte next = parsing.get(parsing.position());
            if (next != '\r' && next != '\n') {
                throw new BadMessageException("Bad chunk: data longer than its size");
            }
        }
    }
}
