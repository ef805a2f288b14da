package io.github.vaultsni.gateway.proxy;

import org.eclipse.jetty.client.BufferingResponseListener;
import org.eclipse.jetty.client.HttpUpgrader;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.HttpStream;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A WebSocket through the proxy, for a route with {@code enable_websocket}: the opening handshake is made with the
 * upstream over HTTP/1.1 by Jetty's client (so an {@code https} upstream is {@code wss}, with the upstream's TLS
 * verification and client certificate), and once the upstream has switched protocols, the client is answered
 * (101 to an HTTP/1.1 {@code Upgrade}, 200 to an HTTP/2 extended {@code CONNECT}, RFC 8441) and its connection, or
 * its stream, is joined to the upstream's connection byte for byte ({@link TunnelConnection}). WebSocket frames are
 * the same bytes in both protocols, so subprotocols and extensions are the client's and the upstream's business;
 * for an HTTP/2 client the gateway makes the HTTP/1.1 handshake's key itself and checks the upstream's answer to it.
 *
 * <p>Nothing waits: the handshake is the client library's callbacks, the tunnel Jetty's selectors. The tunnel's
 * idle timeout is the upstream's {@code timeout.read} on both sides. An upstream that does not switch protocols
 * is answered as it answered (its status and up to 64 KiB of its body); one that cannot be reached, 502 (or 504).
 * The exchange is metered once, when the tunnel ends, with the bytes relayed each way; the access log line is
 * written when the handshake is answered.
 */
final class WebSocketTunnel {
    private static final Logger LOG = LoggerFactory.getLogger(WebSocketTunnel.class);
    private static final String ACCEPT_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private static final int MAX_REFUSAL_BODY = 64 * 1024;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Forwarder forwarder;
    private final ProxyExchange exchange;
    private final Request client;
    private final Response response;
    private final Callback callback;
    private final boolean http2;
    private final String key;

    private WebSocketTunnel(Forwarder forwarder, ProxyExchange exchange, Request client, Response response,
                            Callback callback) {
        this.forwarder = forwarder;
        this.exchange = exchange;
        this.client = client;
        this.response = response;
        this.callback = callback;
        this.http2 = client.getTunnelSupport() != null && "websocket".equals(client.getTunnelSupport().getProtocol());
        this.key = http2 ? newKey() : client.getHeaders().get(HttpHeader.SEC_WEBSOCKET_KEY);
    }

    /** Proxies the WebSocket {@code exchange} asks for; the client's request is answered through {@code response}. */
    static void open(Forwarder forwarder, ProxyExchange exchange, Request client, Response response, Callback callback) {
        new WebSocketTunnel(forwarder, exchange, client, response, callback).handshake();
    }

    private void handshake() {
        if (key == null || key.isBlank() || !http2 && exchange.request().hasContent()) {
            // a handshake without a key, or with a body, is not one (RFC 6455 §4.1): the body would be sent on
            refuse(HttpStatus.BAD_REQUEST_400, null, null);
            return;
        }
        org.eclipse.jetty.client.Request upstream = forwarder.proxyToServerRequest(exchange).method(HttpMethod.GET)
                .headers(h -> h.put(HttpHeader.UPGRADE, "websocket").put(HttpHeader.CONNECTION, "Upgrade")
                        .put(HttpHeader.SEC_WEBSOCKET_KEY, key));
        if (http2 && !upstream.getHeaders().contains(HttpHeader.SEC_WEBSOCKET_VERSION)) {
            upstream.headers(h -> h.put(HttpHeader.SEC_WEBSOCKET_VERSION, "13"));
        }
        HttpUpgrader upgrader = new HttpUpgrader() {
            @Override
            public void prepare(org.eclipse.jetty.client.Request request) {
                // the headers are set above
            }

            @Override
            public void upgrade(org.eclipse.jetty.client.Response answer, EndPoint endPoint, Callback done) {
                switched(answer, endPoint, done);
            }
        };
        upstream.attribute(HttpUpgrader.Factory.class.getName(), (HttpUpgrader.Factory) version -> upgrader);
        upstream.send(new BufferingResponseListener(MAX_REFUSAL_BODY) {
            @Override
            public void onComplete(Result result) {
                exchange.upstreamEnded();
                if (result.isFailed()) {
                    refuse(forwarder.failed(exchange, result.getFailure()), null, null);
                } else { // the upstream answered without switching protocols: the client gets that answer
                    refuse(result.getResponse().getStatus(), getContent(), result.getResponse().getHeaders());
                }
            }
        });
    }

    /** The upstream switched protocols: answer the client, then join the two connections. */
    private void switched(org.eclipse.jetty.client.Response answer, EndPoint upstreamEnd, Callback done) {
        exchange.upstreamEnded();
        if (!expectedAccept().equals(answer.getHeaders().get(HttpHeader.SEC_WEBSOCKET_ACCEPT))) {
            IllegalStateException wrong = new IllegalStateException("the upstream's Sec-WebSocket-Accept does not answer the key");
            upstreamEnd.close(wrong); // out of the client's pool already: closed here, or never
            done.failed(wrong);
            return;
        }
        EndPoint clientEnd = http2 ? client.getTunnelSupport().getEndPoint()
                : client.getConnectionMetaData().getConnection().getEndPoint();
        long idle = exchange.upstream().timeouts().read().toMillis();
        clientEnd.setIdleTimeout(idle);
        upstreamEnd.setIdleTimeout(idle);
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
        if (!http2) {
            headers.put(HttpHeader.UPGRADE, "websocket").put(HttpHeader.CONNECTION, "Upgrade")
                    .put(HttpHeader.SEC_WEBSOCKET_ACCEPT, expectedAccept());
        }
        for (HttpHeader negotiated : new HttpHeader[]{HttpHeader.SEC_WEBSOCKET_SUBPROTOCOL, HttpHeader.SEC_WEBSOCKET_EXTENSIONS}) {
            HttpField field = answer.getHeaders().getField(negotiated);
            if (field != null) {
                headers.put(field);
            }
        }
        client.setAttribute(HttpStream.UPGRADE_CONNECTION_ATTRIBUTE, sides[0]);
        response.write(true, null, Callback.from(() -> {
            upstreamEnd.upgrade(sides[1]); // the upstream's first frames go out once the client has its answer
            done.succeeded();
            callback.succeeded();
        }, failure -> {
            upstreamEnd.close(failure);
            done.failed(failure); // its listener answers the client's callback, once
        }));
    }

    private int status() {
        return http2 ? HttpStatus.OK_200 : HttpStatus.SWITCHING_PROTOCOLS_101;
    }

    /**
     * Answers the client without a tunnel: the upstream's refusal (its status, headers and body), or the gateway's
     * error. An HTTP/2 client would take any 2xx as its tunnel opened: an upstream's 2xx is a 502 to it.
     */
    private void refuse(int status, byte[] body, HttpFields upstreamHeaders) {
        if (response.isCommitted()) {
            callback.failed(new IllegalStateException("the WebSocket tunnel failed after its answer"));
            return;
        }
        int answered = http2 && status >= 200 && status < 300 ? HttpStatus.BAD_GATEWAY_502 : status;
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

    private String expectedAccept() {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest((key + ACCEPT_GUID).getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is every JDK's", e);
        }
    }

    private static String newKey() {
        byte[] nonce = new byte[16];
        RANDOM.nextBytes(nonce);
        return Base64.getEncoder().encodeToString(nonce);
    }
}
