package io.github.vaultsni.tls;

import org.eclipse.jetty.io.ByteArrayEndPoint;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLSession;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GatheringSslConnectionFactoryTest {
    private final Server server = new Server();
    private final ServerConnector connector = new ServerConnector(server);

    /**
     * Headers and body in two buffers reach the engine as one direct buffer holding both, so an engine that copies
     * anything else into a direct buffer of its own (Conscrypt) has nothing to copy; what the engine took is taken
     * from the caller's buffers, in order.
     */
    @Test
    void severalBuffers_reachTheEngineAsOneDirectBuffer_andWhatItTookIsConsumed() throws Exception {
        RecordingEngine engine = new RecordingEngine(20);
        GatheringSslConnectionFactory.GatheringSslConnection connection = gathering(engine, true);
        ByteBuffer headers = ascii("HTTP/1.1 200 OK\r\n\r\n");
        ByteBuffer body = ByteBuffer.allocateDirect(8).put("ok body!".getBytes(StandardCharsets.US_ASCII)).flip();

        SSLEngineResult result = connection.wrap(engine, new ByteBuffer[]{headers, body}, ByteBuffer.allocate(64));

        assertEquals(1, engine.given.size());
        assertTrue(engine.direct.get(0), "one direct buffer");
        assertEquals("HTTP/1.1 200 OK\r\n\r\nok body!", engine.given.get(0), "both, in order");
        assertEquals(20, result.bytesConsumed());
        assertEquals(0, headers.remaining(), "the headers' 19 bytes...");
        assertEquals(7, body.remaining(), "...and the body's first");
    }

    @Test
    void oneDirectBuffer_orNone_isHandedAsItIs() throws Exception {
        RecordingEngine engine = new RecordingEngine(100);
        GatheringSslConnectionFactory.GatheringSslConnection connection = gathering(engine, true);
        ByteBuffer body = ByteBuffer.allocateDirect(4).put(new byte[]{1, 2, 3, 4}).flip();
        ByteBuffer[] input = {ByteBuffer.allocate(0), body};

        connection.wrap(engine, input, ByteBuffer.allocate(64));
        connection.wrap(engine, new ByteBuffer[]{ByteBuffer.allocate(0)}, ByteBuffer.allocate(64)); // a handshake's

        assertSame(input, engine.arrays.get(0), "in place");
        assertEquals(0, body.remaining());
        assertEquals(2, engine.arrays.size());
    }

    @Test
    void engineWithoutDirectBuffers_getsJettysOwnConnection() {
        SslConnection connection = factory(false).newSslConnection(connector, new ByteArrayEndPoint(), new RecordingEngine(1));
        assertEquals(SslConnection.class, connection.getClass());
    }

    private GatheringSslConnectionFactory.GatheringSslConnection gathering(SSLEngine engine, boolean direct) {
        return assertInstanceOf(GatheringSslConnectionFactory.GatheringSslConnection.class,
                factory(direct).newSslConnection(connector, new ByteArrayEndPoint(), engine));
    }

    private static GatheringSslConnectionFactory factory(boolean direct) {
        GatheringSslConnectionFactory factory = new GatheringSslConnectionFactory(new SslContextFactory.Server(), "http/1.1");
        factory.setDirectBuffersForEncryption(direct);
        return factory;
    }

    private static ByteBuffer ascii(String text) {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
    }

    /** An engine that records what each wrap is given and "encrypts" up to {@code take} bytes of it. */
    private static final class RecordingEngine extends SSLEngine {
        final List<String> given = new ArrayList<>();
        final List<Boolean> direct = new ArrayList<>();
        final List<ByteBuffer[]> arrays = new ArrayList<>();
        private final int take;

        RecordingEngine(int take) {
            this.take = take;
        }

        @Override
        public SSLEngineResult wrap(ByteBuffer[] srcs, int offset, int length, ByteBuffer dst) {
            arrays.add(srcs);
            int consumed = 0;
            for (ByteBuffer src : srcs) {
                if (src.hasRemaining()) {
                    given.add(StandardCharsets.US_ASCII.decode(src.duplicate()).toString());
                    direct.add(src.isDirect());
                }
                int n = Math.min(take - consumed, src.remaining());
                src.position(src.position() + n);
                consumed += n;
            }
            return new SSLEngineResult(SSLEngineResult.Status.OK, SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING,
                    consumed, consumed);
        }

        /** Nothing arrives for these tests: closed inbound. */
        @Override
        public SSLEngineResult unwrap(ByteBuffer src, ByteBuffer[] dsts, int offset, int length) {
            return new SSLEngineResult(SSLEngineResult.Status.CLOSED, SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING, 0, 0);
        }

        @Override
        public Runnable getDelegatedTask() {
            return null;
        }

        @Override
        public void closeInbound() {
        }

        @Override
        public boolean isInboundDone() {
            return false;
        }

        @Override
        public void closeOutbound() {
        }

        @Override
        public boolean isOutboundDone() {
            return false;
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return new String[0];
        }

        @Override
        public String[] getEnabledCipherSuites() {
            return new String[0];
        }

        @Override
        public void setEnabledCipherSuites(String[] suites) {
        }

        @Override
        public String[] getSupportedProtocols() {
            return new String[0];
        }

        @Override
        public String[] getEnabledProtocols() {
            return new String[0];
        }

        @Override
        public void setEnabledProtocols(String[] protocols) {
        }

        @Override
        public SSLSession getSession() {
            return null;
        }

        @Override
        public void beginHandshake() {
        }

        @Override
        public SSLEngineResult.HandshakeStatus getHandshakeStatus() {
            return SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING;
        }

        @Override
        public void setUseClientMode(boolean mode) {
        }

        @Override
        public boolean getUseClientMode() {
            return false;
        }

        @Override
        public void setNeedClientAuth(boolean need) {
        }

        @Override
        public boolean getNeedClientAuth() {
            return false;
        }

        @Override
        public void setWantClientAuth(boolean want) {
        }

        @Override
        public boolean getWantClientAuth() {
            return false;
        }

        @Override
        public void setEnableSessionCreation(boolean flag) {
        }

        @Override
        public boolean getEnableSessionCreation() {
            return false;
        }
    }
}
