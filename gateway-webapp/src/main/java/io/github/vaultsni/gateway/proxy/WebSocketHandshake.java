package io.github.vaultsni.gateway.proxy;

import org.eclipse.jetty.client.BufferingResponseListener;
import org.eclipse.jetty.client.HttpUpgrader;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.util.Callback;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A proxied WebSocket's opening handshake with the upstream, for a route with {@code enable_websocket}: made over
 * HTTP/1.1 by Jetty's client (so an {@code https} upstream is {@code wss}, with the upstream's TLS verification
 * and client certificate); the upstream's {@code Sec-WebSocket-Accept} must answer the key (the client's over
 * HTTP/1.1; over HTTP/2, RFC 8441, one the gateway makes), so that an upstream that does not really switch
 * protocols cannot turn the connection into something else. What happens then is the door's:
 * {@link #switched} joins the client to the upstream's connection, {@link #refuse} answers the client without a
 * tunnel (the upstream's own answer, or the gateway's error). Nothing waits: this is the client library's
 * callbacks.
 */
abstract class WebSocketHandshake {
    private static final String ACCEPT_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private static final int MAX_REFUSAL_BODY = 64 * 1024;
    private static final SecureRandom RANDOM = new SecureRandom();

    protected final Forwarder forwarder;
    protected final ProxyExchange exchange;
    /** Whether the client asked over HTTP/2 (an extended CONNECT), which is answered 200 rather than 101. */
    protected final boolean http2;
    private final String key;

    /** @param clientKey the client's {@code Sec-WebSocket-Key} (HTTP/1.1), ignored over HTTP/2 */
    WebSocketHandshake(Forwarder forwarder, ProxyExchange exchange, boolean http2, String clientKey) {
        this.forwarder = forwarder;
        this.exchange = exchange;
        this.http2 = http2;
        this.key = http2 ? newKey() : clientKey;
    }

    /** Sends the handshake upstream; the client is answered by {@link #switched} or {@link #refuse}. */
    final void start() {
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
                exchange.upstreamEnded();
                if (!expectedAccept().equals(answer.getHeaders().get(HttpHeader.SEC_WEBSOCKET_ACCEPT))) {
                    IllegalStateException wrong = new IllegalStateException(
                            "the upstream's Sec-WebSocket-Accept does not answer the key");
                    endPoint.close(wrong); // out of the client's pool already: closed here, or never
                    done.failed(wrong);
                    return;
                }
                endPoint.setIdleTimeout(exchange.upstream().timeouts().read().toMillis());
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

    /**
     * The upstream switched protocols (its accept checked, its idle timeout the tunnel's): answer the client
     * ({@link #status()}, {@link #answerHeaders}), join it to {@code upstreamEnd}, then tell {@code done}; on a
     * failure close {@code upstreamEnd} and fail {@code done} (whose listener then calls {@link #refuse}).
     */
    protected abstract void switched(org.eclipse.jetty.client.Response answer, EndPoint upstreamEnd, Callback done);

    /**
     * Answers the client without a tunnel.
     *
     * @param upstreamHeaders the upstream's answer's headers when it is the upstream's answer, else null (then
     *                        {@code body} is null too: the gateway's error)
     */
    protected abstract void refuse(int status, byte[] body, HttpFields upstreamHeaders);

    /** 101 to an HTTP/1.1 upgrade, 200 to an extended CONNECT. */
    protected final int status() {
        return http2 ? HttpStatus.OK_200 : HttpStatus.SWITCHING_PROTOCOLS_101;
    }

    /**
     * The status an answer without a tunnel goes out with: an HTTP/2 client would take any 2xx as its tunnel
     * opened, so an upstream's 2xx is a 502 to it.
     */
    protected final int refusalStatus(int status) {
        return http2 && status >= 200 && status < 300 ? HttpStatus.BAD_GATEWAY_502 : status;
    }

    /**
     * The headers the client's answer carries besides its status: over HTTP/1.1 {@code Upgrade},
     * {@code Connection} and the accept for the client's key; and what the upstream negotiated (subprotocol,
     * extensions).
     */
    protected final List<HttpField> answerHeaders(org.eclipse.jetty.client.Response answer) {
        List<HttpField> headers = new ArrayList<>();
        if (!http2) {
            headers.add(new HttpField(HttpHeader.UPGRADE, "websocket"));
            headers.add(new HttpField(HttpHeader.CONNECTION, "Upgrade"));
            headers.add(new HttpField(HttpHeader.SEC_WEBSOCKET_ACCEPT, expectedAccept()));
        }
        for (HttpHeader negotiated : new HttpHeader[]{HttpHeader.SEC_WEBSOCKET_SUBPROTOCOL, HttpHeader.SEC_WEBSOCKET_EXTENSIONS}) {
            HttpField field = answer.getHeaders().getField(negotiated);
            if (field != null) {
                headers.add(field);
            }
        }
        return headers;
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
