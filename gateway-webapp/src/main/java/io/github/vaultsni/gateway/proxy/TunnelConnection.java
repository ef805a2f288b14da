package io.github.vaultsni.gateway.proxy;

import org.eclipse.jetty.io.AbstractConnection;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.RetainableByteBuffer;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.IteratingCallback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One side of a WebSocket tunnel: what its end point reads is written to its peer's end point, as it comes, one
 * buffer at a time (the next read waits for the write: the slower side paces the faster), after the bytes its
 * predecessor had read ahead ({@link Connection.UpgradeTo}). The end of its input shuts its peer's output; a
 * failure or an idle timeout closes both. Jetty's {@code ConnectHandler} pumps its CONNECT tunnels the same way.
 */
final class TunnelConnection extends AbstractConnection implements Connection.UpgradeTo {
    private static final Logger LOG = LoggerFactory.getLogger(TunnelConnection.class);

    private final ByteBufferPool buffers;
    private final Pump pump = new Pump();
    private final AtomicLong relayed = new AtomicLong();
    private final Runnable onClose;
    private Runnable onOpened = () -> { };
    private TunnelConnection peer;
    private ByteBuffer readAhead;

    /** @param onClose told when this side closes (the tunnel reports its end once both have) */
    TunnelConnection(EndPoint endPoint, Executor executor, ByteBufferPool buffers, Runnable onClose) {
        super(endPoint, executor);
        this.buffers = buffers;
        this.onClose = onClose;
    }

    /** Joins two sides; each writes what it reads to the other. */
    static void join(TunnelConnection a, TunnelConnection b) {
        a.peer = b;
        b.peer = a;
    }

    /** Runs {@code action} when this side is installed on its end point (before it reads). */
    void whenOpened(Runnable action) {
        this.onOpened = action;
    }

    /** The bytes this side has read and its peer has written. */
    long relayed() {
        return relayed.get();
    }

    @Override
    public void onUpgradeTo(ByteBuffer buffer) {
        if (buffer != null && buffer.hasRemaining()) {
            ByteBuffer copy = ByteBuffer.allocate(buffer.remaining());
            copy.put(buffer).flip();
            readAhead = copy;
        }
    }

    @Override
    public void onOpen() {
        super.onOpen();
        onOpened.run();
        ByteBuffer first = readAhead;
        readAhead = null;
        if (first == null) {
            fillInterested();
            return;
        }
        int length = first.remaining();
        peer.getEndPoint().write(Callback.from(() -> {
            relayed.addAndGet(length);
            fillInterested();
        }, this::fail), first);
    }

    @Override
    public void onFillable() {
        pump.iterate();
    }

    @Override
    public void onClose(Throwable cause) {
        super.onClose(cause);
        peer.getEndPoint().close(cause);
        onClose.run();
    }

    private void fail(Throwable failure) {
        LOG.debug("tunnel {} failed: {}", this, failure.toString());
        getEndPoint().close(failure);
        peer.getEndPoint().close(failure);
    }

    private final class Pump extends IteratingCallback {
        private RetainableByteBuffer buffer;

        @Override
        protected Action process() throws Exception {
            buffer = buffers.acquire(getInputBufferSize(), true);
            ByteBuffer bytes = buffer.getByteBuffer();
            int filled;
            try {
                filled = getEndPoint().fill(bytes);
            } catch (Exception e) {
                buffer.release();
                fail(e);
                return Action.SUCCEEDED;
            }
            if (filled > 0) {
                relayed.addAndGet(filled);
                peer.getEndPoint().write(this, bytes);
                return Action.SCHEDULED;
            }
            buffer.release();
            if (filled == 0) {
                fillInterested();
                return Action.IDLE;
            }
            peer.getEndPoint().shutdownOutput(); // this side is done sending: so is its peer's output
            return Action.SUCCEEDED;
        }

        @Override
        protected void onSuccess() {
            buffer.release();
        }

        @Override
        protected void onCompleteFailure(Throwable failure) {
            buffer.release();
            fail(failure);
        }
    }
}
