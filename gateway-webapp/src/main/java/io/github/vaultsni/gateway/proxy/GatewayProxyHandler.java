package io.github.vaultsni.gateway.proxy;

import org.eclipse.jetty.client.ContentSourceRequestContent;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.PreEncodedHttpField;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;

import java.nio.ByteBuffer;

/**
 * The proxy's jetty-core door, used by {@code gateway.jar}: hands each request to the {@link Forwarder} and moves
 * the bytes, without the servlet layer. Non-blocking throughout (the upstream client's callbacks write to the
 * client asynchronously), so Jetty runs each request on the thread that read it.
 *
 * <p>A small response whose length the upstream declared goes to the client in one write with the end of the
 * stream: one {@code HEADERS} + {@code DATA} flush on HTTP/2, one gathered write on HTTP/1.1.
 *
 * <p>Every request's end is told to {@link Forwarder#completed} (the meters); when the server has a request log
 * (the access log), the exchange is also left in the request attribute {@link ProxyExchange#ATTRIBUTE} for it.
 */
public final class GatewayProxyHandler extends Handler.Abstract.NonBlocking {
    private static final HttpField JSON = new PreEncodedHttpField(HttpHeader.CONTENT_TYPE, ProxyErrors.CONTENT_TYPE);

    private final ProxyConfiguration configuration;
    private Forwarder forwarder;
    /** Whether a request log reads the exchange: only then is it set as an attribute (a map per request). */
    private boolean exchangeAttribute;

    public GatewayProxyHandler(ProxyConfiguration configuration) {
        this.configuration = configuration;
    }

    @Override
    protected void doStart() throws Exception {
        // The server's pool is started before its handlers: the upstream clients share it, never own it.
        forwarder = Forwarder.start(configuration, getServer().getThreadPool(), getServer().getByteBufferPool(),
                InvocationType.NON_BLOCKING);
        exchangeAttribute = getServer().getRequestLog() != null;
        super.doStart();
    }

    @Override
    protected void doStop() throws Exception {
        super.doStop();
        forwarder.close();
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        Content.Chunk first = null;
        boolean hasContent;
        long length = request.getLength();
        if (length >= 0) {
            hasContent = length > 0;
        } else if (request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING)) {
            hasContent = true;
        } else if (request.getConnectionMetaData().getHttpVersion() != HttpVersion.HTTP_2
                || request.getTunnelSupport() != null && request.getTunnelSupport().getProtocol() != null) {
            // an extended CONNECT's DATA are the tunnel's bytes (a WebSocket's first frames may come at once): not
            // a body to peek at, which would take them from the tunnel
            hasContent = false;
        } else {
            // HTTP/2 without Content-Length: only the stream can tell, and a request that ended with its headers
            // has its end already queued.
            first = request.read();
            hasContent = first == null || !first.isLast() || first.hasRemaining();
        }
        ProxyExchange exchange = forwarder.begin(new CoreClientRequest(request, hasContent));
        if (exchangeAttribute) {
            request.setAttribute(ProxyExchange.ATTRIBUTE, exchange);
        }
        if (exchange.refused()) {
            if (first != null) {
                first.release();
            }
            writeError(exchange, request, response, callback, exchange.refusal().status(), exchange.refusal().message());
            return true;
        }
        if (Forwarder.opensWebSocket(exchange)) {
            if (first != null) {
                first.release();
            }
            WebSocketTunnel.open(forwarder, exchange, request, response, callback, false);
            return true;
        }
        new Attempt(exchange, request, response, callback).send(hasContent ? first : null);
        return true;
    }

    /** The gateway's own answer, the request's last: metered as it is written. */
    private void writeError(ProxyExchange exchange, Request request, Response response, Callback callback, int status,
                            String message) {
        byte[] body = ProxyErrors.body(status, message);
        response.setStatus(status);
        HttpFields.Mutable headers = response.getHeaders();
        headers.put(JSON);
        headers.put(HttpHeader.CONTENT_LENGTH, body.length);
        completed(exchange, request, response, status, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    private void completed(ProxyExchange exchange, Request request, Response response, int status, long responseBody) {
        forwarder.completed(exchange, status, Request.getContentBytesRead(request), responseBody,
                MessageSize.fields(response.getHeaders()));
    }

    /** One attempt to get the exchange's answer from its current node, streamed to the client as it comes. */
    private final class Attempt implements org.eclipse.jetty.client.Response.Listener {
        private final ProxyExchange exchange;
        private final Request clientToProxyRequest;
        private final Response proxyToClientResponse;
        private final Callback proxyToClientCallback;
        /** Completes when the last write to the client does. */
        private final Callback.Completable lastWrite = new Callback.Completable(InvocationType.NON_BLOCKING);
        private long contentLength = -1;
        private long written;
        private boolean lastWritten;
        /** Why a write to the client failed (the client went away), which then aborts the upstream's response. */
        private volatile Throwable clientFailure;

        Attempt(ProxyExchange exchange, Request clientToProxyRequest, Response proxyToClientResponse,
                Callback proxyToClientCallback) {
            this.exchange = exchange;
            this.clientToProxyRequest = clientToProxyRequest;
            this.proxyToClientResponse = proxyToClientResponse;
            this.proxyToClientCallback = proxyToClientCallback;
        }

        /** @param first the body's first chunk when it had to be read to know there is one, else null */
        void send(Content.Chunk first) {
            org.eclipse.jetty.client.Request proxyToServerRequest = forwarder.proxyToServerRequest(exchange);
            if (exchange.request().hasContent()) {
                Content.Source body = first == null ? clientToProxyRequest : new PeekedContent(first, clientToProxyRequest);
                proxyToServerRequest.body(new ContentSourceRequestContent(body,
                        clientToProxyRequest.getHeaders().get(HttpHeader.CONTENT_TYPE)));
            }
            proxyToServerRequest.send(this);
        }

        @Override
        public void onBegin(org.eclipse.jetty.client.Response serverToProxyResponse) {
            exchange.upstreamResponded(serverToProxyResponse.getStatus());
            proxyToClientResponse.setStatus(serverToProxyResponse.getStatus());
        }

        @Override
        public void onHeaders(org.eclipse.jetty.client.Response serverToProxyResponse) {
            HttpFields.Mutable headers = proxyToClientResponse.getHeaders();
            for (HttpField field : serverToProxyResponse.getHeaders()) {
                if (Forwarder.forwardsResponseHeader(field)) {
                    headers.add(field);
                }
            }
            contentLength = serverToProxyResponse.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH);
        }

        @Override
        public void onContent(org.eclipse.jetty.client.Response serverToProxyResponse, Content.Chunk chunk,
                              Runnable demander) {
            ByteBuffer content = chunk.getByteBuffer();
            written += content.remaining();
            boolean last = contentLength >= 0 && written >= contentLength;
            lastWritten |= last;
            chunk.retain();
            proxyToClientResponse.write(last, content, new Callback() {
                @Override
                public void succeeded() {
                    chunk.release();
                    if (last) {
                        lastWrite.succeeded();
                    }
                    demander.run();
                }

                @Override
                public void failed(Throwable failure) {
                    chunk.release();
                    if (last) {
                        lastWrite.failed(failure);
                    }
                    clientFailure = failure;
                    serverToProxyResponse.abort(failure);
                }

                @Override
                public InvocationType getInvocationType() {
                    return InvocationType.NON_BLOCKING;
                }
            });
        }

        @Override
        public void onSuccess(org.eclipse.jetty.client.Response serverToProxyResponse) {
            if (!lastWritten) {
                proxyToClientResponse.write(true, BufferUtil.EMPTY_BUFFER, lastWrite);
            }
        }

        @Override
        public void onComplete(Result result) {
            exchange.upstreamEnded();
            if (result.isSucceeded()) {
                lastWrite.whenComplete((ignored, failure) -> {
                    completed(exchange, clientToProxyRequest, proxyToClientResponse, proxyToClientResponse.getStatus(),
                            written);
                    if (failure == null) {
                        proxyToClientCallback.succeeded();
                    } else {
                        proxyToClientCallback.failed(failure);
                    }
                });
                return;
            }
            Throwable failure = result.getFailure();
            if (proxyToClientResponse.isCommitted()) {
                if (failure == clientFailure) {
                    forwarder.clientGone(exchange, failure);
                } else {
                    forwarder.failed(exchange, failure);
                }
                completed(exchange, clientToProxyRequest, proxyToClientResponse, proxyToClientResponse.getStatus(), written);
                proxyToClientCallback.failed(failure);
            } else if (forwarder.retry(exchange, failure)) {
                proxyToClientResponse.reset();
                new Attempt(exchange, clientToProxyRequest, proxyToClientResponse, proxyToClientCallback).send(null);
            } else {
                int status = forwarder.failed(exchange, failure);
                proxyToClientResponse.reset();
                writeError(exchange, clientToProxyRequest, proxyToClientResponse, proxyToClientCallback, status, null);
            }
        }
    }

    /** A request body whose first chunk was read early (to tell whether there is a body): that chunk, then the rest. */
    private static final class PeekedContent implements Content.Source {
        private final Content.Source rest;
        private Content.Chunk first;

        PeekedContent(Content.Chunk first, Content.Source rest) {
            this.first = first;
            this.rest = rest;
        }

        @Override
        public Content.Chunk read() {
            Content.Chunk chunk = first;
            if (chunk != null) {
                first = null;
                return chunk;
            }
            return rest.read();
        }

        @Override
        public void demand(Runnable demandCallback) {
            if (first != null) {
                demandCallback.run();
            } else {
                rest.demand(demandCallback);
            }
        }

        @Override
        public void fail(Throwable failure) {
            Content.Chunk chunk = first;
            first = null;
            if (chunk != null) {
                chunk.release();
            }
            rest.fail(failure);
        }
    }
}
