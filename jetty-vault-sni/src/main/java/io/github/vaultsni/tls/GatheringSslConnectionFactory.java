package io.github.vaultsni.tls;

import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.RetainableByteBuffer;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.ssl.SslContextFactory;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.Executor;

/**
 * Jetty's TLS connection factory, whose connections hand an engine that reads direct buffers in place (Conscrypt,
 * {@link #setDirectBuffersForEncryption} on) one pooled direct buffer per wrap.
 *
 * <p>Why: given more than one buffer to encrypt (a response's headers and its body, say), Conscrypt copies them into
 * a 16 KiB direct buffer of each engine's own, allocated on its first response and freed only when a GC collects the
 * engine; its engines have finalizers, so under load they reach the old generation and that direct memory stays until
 * a full GC: 274 MiB of direct buffers after 60,000 short connections. Gathered here into a buffer from Jetty's pool,
 * the engine encrypts it in place and allocates nothing. With any other engine (the JDK's, which gathers on the heap
 * itself) the connections are Jetty's own.
 */
public class GatheringSslConnectionFactory extends SslConnectionFactory {
    /** TLS's largest plaintext record: one wrap never encrypts more. */
    private static final int MAX_RECORD_PLAINTEXT = 16384;

    public GatheringSslConnectionFactory(SslContextFactory.Server sslContextFactory, String nextProtocol) {
        super(sslContextFactory, nextProtocol);
    }

    @Override
    public Connection newConnection(Connector connector, EndPoint endPoint) {
        SocketAddress peer = endPoint.getRemoteSocketAddress();
        SslContextFactory.Server tls = getSslContextFactory();
        return newConnection(connector, endPoint, peer instanceof InetSocketAddress inet ? tls.newSSLEngine(inet)
                : tls.newSSLEngine());
    }

    /**
     * A TLS connection, and the next protocol's above it, as Jetty's factory makes them, but over {@code engine}
     * (e.g. one of the JDK's TLS for a name only it can serve, where this factory's provider is another).
     */
    public Connection newConnection(Connector connector, EndPoint endPoint, SSLEngine engine) {
        engine.setUseClientMode(false);
        SslConnection ssl = newSslConnection(connector, endPoint, engine);
        ssl.setRenegotiationAllowed(getSslContextFactory().isRenegotiationAllowed());
        ssl.setRenegotiationLimit(getSslContextFactory().getRenegotiationLimit());
        configure(ssl, connector, endPoint);
        EndPoint decrypted = ssl.getSslEndPoint();
        Connection next = connector.getConnectionFactory(getNextProtocol()).newConnection(connector, decrypted);
        decrypted.setConnection(next);
        return ssl;
    }

    @Override
    protected SslConnection newSslConnection(Connector connector, EndPoint endPoint, SSLEngine engine) {
        if (!isDirectBuffersForEncryption()) {
            return super.newSslConnection(connector, endPoint, engine);
        }
        return new GatheringSslConnection(connector.getByteBufferPool(), connector.getExecutor(),
                getSslContextFactory(), endPoint, engine, isDirectBuffersForDecryption());
    }

    /** A TLS connection whose engine is handed one direct buffer per wrap. */
    static final class GatheringSslConnection extends SslConnection {
        private final ByteBufferPool buffers;

        GatheringSslConnection(ByteBufferPool buffers, Executor executor, SslContextFactory sslContextFactory,
                               EndPoint endPoint, SSLEngine engine, boolean directForDecryption) {
            super(buffers, executor, sslContextFactory, endPoint, engine, true, directForDecryption);
            this.buffers = buffers;
        }

        @Override
        protected SSLEngineResult wrap(SSLEngine engine, ByteBuffer[] input, ByteBuffer output) throws SSLException {
            if (inPlace(input)) {
                return super.wrap(engine, input, output);
            }
            RetainableByteBuffer gathered = buffers.acquire(MAX_RECORD_PLAINTEXT, true);
            try {
                ByteBuffer record = gathered.getByteBuffer();
                int start = BufferUtil.flipToFill(record);
                record.limit(Math.min(record.limit(), start + MAX_RECORD_PLAINTEXT));
                for (ByteBuffer part : input) {
                    int length = Math.min(part.remaining(), record.remaining());
                    record.put(record.position(), part, part.position(), length);
                    record.position(record.position() + length);
                }
                BufferUtil.flipToFlush(record, start);
                SSLEngineResult result = super.wrap(engine, new ByteBuffer[]{record}, output);
                consume(input, result.bytesConsumed());
                return result;
            } finally {
                gathered.release();
            }
        }

        /**
         * Whether the engine can read {@code input} as it is: nothing to encrypt, or a first non-empty buffer that is
         * direct and either the only one or holding a whole record (Conscrypt then encrypts from it alone).
         */
        private static boolean inPlace(ByteBuffer[] input) {
            for (int i = 0; i < input.length; i++) {
                ByteBuffer part = input[i];
                if (part.hasRemaining()) {
                    return part.isDirect() && (part.remaining() >= MAX_RECORD_PLAINTEXT || nothingAfter(input, i));
                }
            }
            return true;
        }

        private static boolean nothingAfter(ByteBuffer[] input, int index) {
            for (int i = index + 1; i < input.length; i++) {
                if (input[i].hasRemaining()) {
                    return false;
                }
            }
            return true;
        }

        private static void consume(ByteBuffer[] input, int bytes) {
            for (ByteBuffer part : input) {
                int taken = Math.min(bytes, part.remaining());
                part.position(part.position() + taken);
                bytes -= taken;
            }
        }
    }
}
