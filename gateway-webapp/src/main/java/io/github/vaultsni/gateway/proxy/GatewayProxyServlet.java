package io.github.vaultsni.gateway.proxy;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.client.AsyncRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.ee11.proxy.AsyncProxyServlet;
import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Invocable;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import java.io.IOException;
import java.util.concurrent.Executor;

/**
 * The proxy's servlet door, used by the WAR: Jetty's asynchronous proxy servlet moves the bytes (bodies streamed
 * both ways, never buffered whole) and the {@link Forwarder} makes every decision: the route, the node, the
 * request sent to it, what crosses back, retries and errors. The servlet only adapts its request
 * ({@link ServletClientRequest}) and maps the parent's callbacks onto the forwarder's.
 *
 * <p>Every request's end is told to {@link Forwarder#completed} (the meters), with the body bytes this door counts
 * as they pass.
 *
 * <p>No init-params: the forwarder sets the upstream client up. Its I/O runs on the container's executor (the
 * context attribute {@code org.eclipse.jetty.server.Executor}), or on a pool of its own where there is none.
 */
public class GatewayProxyServlet extends AsyncProxyServlet {
    private static final String EXCHANGE = ProxyExchange.ATTRIBUTE;
    private static final String CONTAINER_EXECUTOR = "org.eclipse.jetty.server.Executor";

    private final transient ProxyConfiguration configuration;
    private transient Forwarder forwarder;
    private transient QueuedThreadPool ownPool;

    public GatewayProxyServlet(ProxyConfiguration configuration) {
        this.configuration = configuration;
    }

    @Override
    public void init() throws ServletException {
        Executor executor = getServletContext().getAttribute(CONTAINER_EXECUTOR) instanceof Executor e ? e : ownPool();
        // Its response listener writes through the servlet API, which may block: not NON_BLOCKING. The container's
        // buffer pool is of the server's classes, hidden from a web application: both clients share one of their own.
        forwarder = Forwarder.start(configuration, executor, new ArrayByteBufferPool(), Invocable.InvocationType.BLOCKING);
        super.init();
    }

    private Executor ownPool() throws ServletException {
        ownPool = new QueuedThreadPool();
        ownPool.setName("gateway-proxy");
        try {
            ownPool.start();
        } catch (Exception e) {
            throw new ServletException("cannot start the proxy's thread pool", e);
        }
        return ownPool;
    }

    /** The parent's client is the forwarder's shared one (closed with the forwarder). */
    @Override
    protected HttpClient createHttpClient() {
        return forwarder.sharedClient();
    }

    @Override
    public void destroy() {
        if (forwarder != null) {
            forwarder.close();
        }
        if (ownPool != null) {
            try {
                ownPool.stop();
            } catch (Exception e) {
                _log.debug("stopping the proxy's thread pool: {}", e.toString());
            }
        }
    }

    /** Client-to-proxy: the forwarder decides; null (the decision kept) when the gateway answers itself. */
    @Override
    protected String rewriteTarget(HttpServletRequest clientToProxyRequest) {
        ProxyExchange exchange = forwarder.begin(new ServletClientRequest(clientToProxyRequest, hasContent(clientToProxyRequest)));
        clientToProxyRequest.setAttribute(EXCHANGE, exchange);
        return exchange.refused() ? null : exchange.node().origin().toString();
    }

    /**
     * A {@code CONNECT} carries no body: what follows an HTTP/2 extended CONNECT is a WebSocket's bytes, for the
     * tunnel, and the parent would otherwise start reading them as the request's body (the client's first frames
     * were lost to it); any other CONNECT is refused.
     */
    @Override
    protected boolean hasContent(HttpServletRequest clientToProxyRequest) {
        return !"CONNECT".equals(clientToProxyRequest.getMethod()) && super.hasContent(clientToProxyRequest);
    }

    @Override
    protected void onProxyRewriteFailed(HttpServletRequest clientToProxyRequest, HttpServletResponse proxyToClientResponse) {
        ProxyExchange exchange = exchange(clientToProxyRequest);
        completed(exchange, proxyToClientResponse,
                writeError(proxyToClientResponse, exchange.refusal().status(), exchange.refusal().message()));
    }

    /** Proxy-to-server: the forwarder's request to the exchange's node, headers included. */
    @Override
    protected Request newProxyRequest(HttpServletRequest clientToProxyRequest, String target) {
        return forwarder.proxyToServerRequest(exchange(clientToProxyRequest))
                .attribute(CLIENT_REQUEST_ATTRIBUTE, clientToProxyRequest);
    }

    /** The forwarder wrote every proxy-to-server header already. */
    @Override
    protected void copyRequestHeaders(HttpServletRequest clientToProxyRequest, Request proxyToServerRequest) {
    }

    /** The forwarder wrote every proxy-to-server header already. */
    @Override
    protected void addProxyHeaders(HttpServletRequest clientToProxyRequest, Request proxyToServerRequest) {
    }

    /**
     * The parent sets a timeout of its own after {@link #newProxyRequest}: the upstream's are set again here. A
     * WebSocket goes through the tunnel instead, on the container's own request (the servlet API has no RFC 8441),
     * which is answered, and handed over, without the servlet response; the async cycle ends with it.
     */
    @Override
    protected void sendProxyRequest(HttpServletRequest clientToProxyRequest, HttpServletResponse proxyToClientResponse,
                                    Request proxyToServerRequest) {
        ProxyExchange exchange = exchange(clientToProxyRequest);
        if (Forwarder.opensWebSocket(exchange)) {
            if (!openTunnel(exchange, clientToProxyRequest)) {
                sendProxyResponseError(clientToProxyRequest, proxyToClientResponse, HttpServletResponse.SC_NOT_IMPLEMENTED);
            }
            return;
        }
        forwarder.applyTimeouts(exchange, proxyToServerRequest);
        super.sendProxyRequest(clientToProxyRequest, proxyToClientResponse, proxyToServerRequest);
    }

    /** A WebSocket tunnel on the container's request; false where the servlet cannot reach it (then 501). */
    private boolean openTunnel(ProxyExchange exchange, HttpServletRequest clientToProxyRequest) {
        try {
            return ContainerTunnels.open(forwarder, exchange, clientToProxyRequest);
        } catch (LinkageError hidden) {
            _log.debug("no WebSocket tunnel: the container's request is hidden from this web application");
            return false;
        }
    }

    /** Counts the client's body bytes as they go upstream. */
    @Override
    protected ReadListener newReadListener(HttpServletRequest clientToProxyRequest, HttpServletResponse proxyToClientResponse,
                                           Request proxyToServerRequest, AsyncRequestContent content) {
        ProxyExchange exchange = exchange(clientToProxyRequest);
        return new StreamReader(clientToProxyRequest, proxyToClientResponse, proxyToServerRequest, content) {
            @Override
            protected void onRequestContent(HttpServletRequest request, Request proxyRequest, AsyncRequestContent body,
                                            byte[] buffer, int offset, int length, Callback callback) {
                exchange.requestBodyRead(length);
                super.onRequestContent(request, proxyRequest, body, buffer, offset, length, callback);
            }
        };
    }

    @Override
    protected void onServerResponseHeaders(HttpServletRequest clientToProxyRequest, HttpServletResponse proxyToClientResponse,
                                           Response serverToProxyResponse) {
        exchange(clientToProxyRequest).upstreamResponded(serverToProxyResponse.getStatus());
        super.onServerResponseHeaders(clientToProxyRequest, proxyToClientResponse, serverToProxyResponse);
    }

    /** Counts the body bytes as they go to the client. */
    @Override
    protected void onResponseContent(HttpServletRequest clientToProxyRequest, HttpServletResponse proxyToClientResponse,
                                     Response serverToProxyResponse, byte[] buffer, int offset, int length, Callback callback) {
        exchange(clientToProxyRequest).responseBodyWritten(length);
        super.onResponseContent(clientToProxyRequest, proxyToClientResponse, serverToProxyResponse, buffer, offset, length,
                callback);
    }

    @Override
    protected void onProxyResponseSuccess(HttpServletRequest clientToProxyRequest, HttpServletResponse proxyToClientResponse,
                                          Response serverToProxyResponse) {
        ProxyExchange exchange = exchange(clientToProxyRequest);
        exchange.upstreamEnded();
        completed(exchange, proxyToClientResponse, exchange.responseBodyBytes());
        super.onProxyResponseSuccess(clientToProxyRequest, proxyToClientResponse, serverToProxyResponse);
    }

    @Override
    protected String filterServerResponseHeader(HttpServletRequest clientToProxyRequest, Response serverToProxyResponse,
                                                String headerName, String headerValue) {
        return Forwarder.forwardsResponseHeader(headerName) ? headerValue : null;
    }

    /** Server-to-proxy failed: the next node when the forwarder says so, else its error. */
    @Override
    protected void onProxyResponseFailure(HttpServletRequest clientToProxyRequest, HttpServletResponse proxyToClientResponse,
                                          Response serverToProxyResponse, Throwable failure) {
        ProxyExchange exchange = exchange(clientToProxyRequest);
        exchange.upstreamEnded();
        if (!proxyToClientResponse.isCommitted() && forwarder.retry(exchange, failure)) {
            sendProxyRequest(clientToProxyRequest, proxyToClientResponse, newProxyRequest(clientToProxyRequest, null));
            return;
        }
        sendProxyResponseError(clientToProxyRequest, proxyToClientResponse, forwarder.failed(exchange, failure));
    }

    /** Proxy-to-client error: the forwarder's JSON instead of the container's error page. */
    @Override
    protected void sendProxyResponseError(HttpServletRequest clientToProxyRequest, HttpServletResponse proxyToClientResponse,
                                          int status) {
        ProxyExchange exchange = exchange(clientToProxyRequest);
        try {
            if (!proxyToClientResponse.isCommitted()) {
                proxyToClientResponse.resetBuffer();
                completed(exchange, proxyToClientResponse, writeError(proxyToClientResponse, status, null));
            } else {
                completed(exchange, proxyToClientResponse, exchange.responseBodyBytes());
            }
        } finally {
            if (clientToProxyRequest.isAsyncStarted()) {
                clientToProxyRequest.getAsyncContext().complete();
            }
        }
    }

    /** Writes the gateway's own answer; its body's length. */
    private static int writeError(HttpServletResponse response, int status, String message) {
        response.setStatus(status);
        response.setContentType(ProxyErrors.CONTENT_TYPE);
        byte[] body = ProxyErrors.body(status, message);
        try {
            // No Content-Length: the small body waits in the response buffer, and the container sets the length
            // when the response completes.
            response.getOutputStream().write(body);
        } catch (IOException e) {
            // The client went away; nothing left to tell it.
        }
        return body.length;
    }

    private void completed(ProxyExchange exchange, HttpServletResponse proxyToClientResponse, long responseBody) {
        long fields = 0;
        for (String name : proxyToClientResponse.getHeaderNames()) {
            for (String value : proxyToClientResponse.getHeaders(name)) {
                fields += MessageSize.field(name, value);
            }
        }
        forwarder.completed(exchange, proxyToClientResponse.getStatus(), exchange.requestBodyBytes(), responseBody, fields);
    }

    private static ProxyExchange exchange(HttpServletRequest request) {
        return (ProxyExchange) request.getAttribute(EXCHANGE);
    }
}
