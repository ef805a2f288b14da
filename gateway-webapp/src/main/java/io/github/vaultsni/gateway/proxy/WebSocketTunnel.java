package io.github.vaultsni.gateway.proxy;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.HttpStream;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A WebSocket through the proxy on the container's own request (the jetty-core door, and the servlet door where it
 * can reach it): once the upstream has switched protocols ({@link WebSocketHandshake}), the client is answered
 * (101 to an HTTP/1.1 {@code Upgrade}, 200 to an HTTP/2 extended {@code CONNECT}, RFC 8441) and its connection, or
 * its stream, is joined to the upstream's connection byte for byte ({@link TunnelConnection}), by Jetty's own
 * hand-over ({@link HttpStream#UPGRADE_CONNECTION_ATTRIBUTE}, as its {@code ConnectHandler} and WebSocket server
 * do). WebSocket frames are the same bytes in both protocols, so subprotocols and extensions are the client's and
 * the upstream's business.
 *
 * <p>The tunnel's idle timeout is the upstream's {@code timeout.read} on both sides. The exchange is metered once,
 * when the tunnel ends, with the bytes relayed each way; the access log line is written when the handshake is
 * answered.
 */
final class WebSocketTunnel extends WebSocketHandshake {
    private static final Logger LOG = LoggerFactory.getLogger(WebSocketTunnel.class);

    private final Request client;
    private final Response response;
    private final Callback callback;
    private final boolean startOnHandOver;

    private WebSocketTunnel(Forwarder forwarder, ProxyExchange exchange, Request client, Response response,
                            Callback callback, boolean startOnHandOver) {
        super(forwarder, exchange, client.getTunnelSupport() != null
                && "websocket".equals(client.getTunnelSupport().getProtocol()), client.getHeaders().get(HttpHeader.SEC_WEBSOCKET_KEY));
        this.client = client;
        this.response = response;
        this.callback = callback;
        this.startOnHandOver = startOnHandOver;
    }

    /**
     * Proxies the WebSocket {@code exchange} asks for; the client's request is answered through {@code response}.
     *
     * @param startOnHandOver whether the upstream's side starts only once Jetty has handed the client's connection
     *                        over (the servlet door, whose hand-over comes later than the answer), rather than
     *                        when the answer is written (the jetty-core door)
     */
    static void open(Forwarder forwarder, ProxyExchange exchange, Request client, Response response, Callback callback,
                     boolean startOnHandOver) {
        new WebSocketTunnel(forwarder, exchange, client, response, callback, startOnHandOver).start();
    }

    @Override
    protected void switched(org.eclipse.jetty.client.Response answer, EndPoint upstreamEnd, Callback done) {
        EndPoint clientEnd = http2 ? client.getTunnelSupport().getEndPoint()
                : client.getConnectionMetaData().getConnection().getEndPoint();
        clientEnd.setIdleTimeout(upstreamEnd.getIdleTimeout());
        ByteBufferPool buffers = client.getComponents().getByteBufferPool();
        AtomicBoolean ended = new AtomicBoolean();
        TunnelConnection[] sides = new TunnelConnection[2];
        // Metered when the first side closes (it closes the other): a side may never be installed (a client gone
        // between the answer and the hand-over), and the tunnel has ended all the same.
        Runnable closed = () -> {
            if (ended.compareAndSet(false, true)) {
                forwarder.completed(exchange, status(), sides[0].relayed(), sides[1].relayed(), 0);
            }
        };
        sides[0] = new TunnelConnection(clientEnd, client.getComponents().getExecutor(), buffers, closed);
        sides[1] = new TunnelConnection(upstreamEnd, client.getComponents().getExecutor(), buffers, closed);
        TunnelConnection.join(sides[0], sides[1]);
        response.setStatus(status());
        HttpFields.Mutable headers = response.getHeaders();
        answerHeaders(answer).forEach(headers::put);
        Runnable startUpstream = () -> {
            upstreamEnd.upgrade(sides[1]);
            done.succeeded();
        };
        if (startOnHandOver) {
            // The servlet door hands the client's side over only once its async cycle has completed, well after
            // the answer is written: until then, over HTTP/2, the stream is not yet the tunnel's, and the upstream's
            // first frames written to it were lost (seen in the behaviour suite). So the upstream starts then.
            sides[0].whenOpened(startUpstream);
        }
        client.setAttribute(HttpStream.UPGRADE_CONNECTION_ATTRIBUTE, sides[0]);
        // Not the last write: Jetty would give the answer a Content-Length: 0, which a 101 and a 2xx to CONNECT must
        // not carry (RFC 9110 §8.6, §9.3.6). The callback's success ends the exchange, and no END_STREAM goes out
        // on a tunnel.
        response.write(false, null, Callback.from(() -> {
            if (!startOnHandOver) { // the jetty-core door hands over as the callback succeeds
                startUpstream.run();
            }
            callback.succeeded();
        }, failure -> {
            upstreamEnd.close(failure);
            done.failed(failure); // its listener answers the client's callback, once
        }));
    }

    @Override
    protected void refuse(int status, byte[] body, HttpFields upstreamHeaders) {
        if (response.isCommitted()) {
            callback.failed(new IllegalStateException("the WebSocket tunnel failed after its answer"));
            return;
        }
        int answered = refusalStatus(status);
        boolean upstreams = upstreamHeaders != null && answered == status;
        byte[] content = upstreams ? body : ProxyErrors.body(answered, null);
        response.setStatus(answered);
        HttpFields.Mutable headers = response.getHeaders();
        if (upstreams) {
            for (HttpField field : upstreamHeaders) {
                if (Forwarder.forwardsResponseHeader(field) && field.getHeader() != HttpHeader.CONTENT_LENGTH) {
                    headers.add(field);
                }
            }
        } else {
            headers.put(HttpHeader.CONTENT_TYPE, ProxyErrors.CONTENT_TYPE);
        }
        headers.put(HttpHeader.CONTENT_LENGTH, content.length);
        forwarder.completed(exchange, answered, 0, content.length, MessageSize.fields(headers));
        LOG.debug("route {}: WebSocket to {} not opened: {}", exchange.route().id(), exchange.path().forwarded(), answered);
        response.write(true, ByteBuffer.wrap(content), callback);
    }
}
