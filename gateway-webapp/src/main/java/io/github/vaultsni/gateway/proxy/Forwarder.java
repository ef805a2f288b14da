package io.github.vaultsni.gateway.proxy;

import io.github.vaultsni.gateway.route.Route;
import io.github.vaultsni.gateway.route.RouteTableSource;
import io.github.vaultsni.gateway.route.Upstream;
import io.github.vaultsni.gateway.route.UpstreamNode;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.util.thread.Invocable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.ConnectException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The gateway's one forwarding core: every proxy decision, made the same way whichever door a request came
 * through (the jetty-core {@link GatewayProxyHandler} of {@code gateway.jar}, or the {@link GatewayProxyServlet}
 * of the WAR). The doors only move bytes: they adapt their request to a {@link ClientRequest}, send the request
 * this builds, stream the answer back, and ask this what to do when an attempt fails.
 *
 * <ol>
 *   <li>{@link #begin}: the request read once into a {@link GatewayRequest} (a method token, TRACE and CONNECT
 *       refused with 405, at most {@value #MAX_REQUEST_HEADERS} header fields (431), one authority, the path
 *       normalised ({@link RequestPath}); 400 when any cannot be), the client-certificate rules
 *       ({@link MtlsPolicy}), the route (the current
 *       {@link io.github.vaultsni.gateway.route.RouteTable}), the upstream's client (TLS verification, client
 *       certificate), the first node from its balancer; or the status the gateway answers itself
 *       (400, 404, 502).</li>
 *   <li>{@link #proxyToServerRequest}: the request to the node: target, {@code pass_host}, the headers of
 *       {@link ProxyHeaders}, and the upstream's timeouts ({@code read} as idle timeout, {@code connect + send +
 *       read} as the total).</li>
 *   <li>{@link #retry} after a failed attempt: the next node when nothing was sent (a connection failure, no body)
 *       and {@code retries} allows; else {@link #failed}: the client's 400 for a malformed body, 504 for a
 *       timeout, 502 otherwise, one log line.</li>
 *   <li>{@link #completed} when the request ended, whatever its path: the {@link ExchangeMeter}.</li>
 * </ol>
 */
public final class Forwarder implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Forwarder.class);
    private static final long DEFAULT_IDLE_TIMEOUT_MS = UpstreamClients.DEFAULT_IDLE_TIMEOUT.toMillis();
    /** Request header fields a request may carry (431 past it). */
    public static final int MAX_REQUEST_HEADERS = 100;
    /**
     * The size of a request's headers the gateway's own listeners accept (431 past it), and so the room the upstream
     * client keeps for them plus the forwarding headers it adds.
     */
    public static final int MAX_REQUEST_HEADER_BYTES = 16 * 1024;

    private final RouteTableSource routes;
    private final MtlsPolicy mtls;
    private final UpstreamClients clients;
    private final ExchangeMeter meter;
    private final ProxyHeaders headers = new ProxyHeaders(localHostName());

    private Forwarder(ProxyConfiguration configuration, UpstreamClients clients) {
        this.routes = configuration.routes();
        this.mtls = configuration.mtls();
        this.meter = configuration.meter();
        this.clients = clients;
    }

    /**
     * A forwarder whose upstream clients run on {@code executor} (the door's thread pool, already started) and
     * take their buffers from {@code buffers} (the door's server's pool, where the door can reach it).
     *
     * @param invocationType {@code NON_BLOCKING} when the door's response callbacks never block, so that they run
     *                       on the thread that read the upstream's response
     */
    public static Forwarder start(ProxyConfiguration configuration, Executor executor, ByteBufferPool buffers,
                                  Invocable.InvocationType invocationType) {
        return new Forwarder(configuration, new UpstreamClients(executor, buffers, invocationType,
                configuration.clientCertificates()));
    }

    /** Decides what happens to a client's request: forwarded (to the exchange's first node) or answered here. */
    public ProxyExchange begin(ClientRequest raw) {
        meter.started();
        GatewayRequest request = GatewayRequest.read(raw);
        if (request.refusal() != null) {
            return ProxyExchange.refuse(request, null, request.refusal());
        }
        RequestPath path = request.path();
        String mtlsRefusal = mtls.refusal(request, path.decoded());
        if (mtlsRefusal != null) {
            return ProxyExchange.refuse(request, null, new Refusal(400, mtlsRefusal));
        }
        Route route = routes.current().match(request);
        if (route == null) {
            return ProxyExchange.refuse(request, null, Refusal.of(404));
        }
        if (request.isExtendedConnect() && !route.websocket()) {
            // an HTTP/1.1 upgrade goes on as a plain GET, as through APISIX; an extended CONNECT has no plain form
            return ProxyExchange.refuse(request, route, new Refusal(400,
                    "400 Bad Request: WebSocket is not enabled on this route (enable_websocket)"));
        }
        Upstream upstream = route.upstream();
        if (upstream == null) { // its upstream or service was deleted (?force=true): as APISIX, 503
            return ProxyExchange.refuse(request, route, Refusal.of(503));
        }
        HttpClient client = clients.forUpstream(upstream).orElse(null);
        if (client == null) {
            LOG.warn("route {}: client certificate {} for the upstream is not available", route.id(), upstream.tls().clientCertId());
            return ProxyExchange.refuse(request, route, Refusal.of(502));
        }
        String hashKey = upstream.balancer().usesHashKey() ? HashKeys.of(request, path.decoded(), upstream) : null;
        ProxyExchange exchange = ProxyExchange.forward(request, route, client, hashKey);
        if (exchange.nextNode() == null) {
            LOG.warn("route {}: no upstream node to send {} {} to", route.id(), request.method(), path.forwarded());
            return ProxyExchange.refuse(request, route, Refusal.of(502));
        }
        return exchange;
    }

    /** Whether the exchange opens a WebSocket tunnel: its request asks for one and its route enables them. */
    public static boolean opensWebSocket(ProxyExchange exchange) {
        return exchange.request().isWebSocket() && exchange.route().websocket();
    }

    /** The request to the exchange's current node: method, target, headers and timeouts; the door adds the body. */
    public Request proxyToServerRequest(ProxyExchange exchange) {
        GatewayRequest client = exchange.request();
        Upstream upstream = exchange.upstream();
        UpstreamNode node = exchange.node();
        String query = client.query();
        exchange.upstreamSending();
        Request request = exchange.client().newRequest(node.origin()).method(client.method())
                .path(query == null ? exchange.path().forwarded() : exchange.path().forwarded() + "?" + query);
        UpstreamClients.presentClientCertificate(request, upstream);
        String host = upstream.passHost().hostFor(client.authority(), node);
        request.headers(out -> headers.writeRequestHeaders(client, host, out));
        applyTimeouts(exchange, request);
        return request;
    }

    /** The upstream's timeouts on a request to it: {@code read} as its idle timeout, the sum as its total. */
    public void applyTimeouts(ProxyExchange exchange, Request proxyToServerRequest) {
        Upstream.Timeouts timeouts = exchange.upstream().timeouts();
        long read = timeouts.read().toMillis();
        proxyToServerRequest.timeout(timeouts.total().toMillis(), TimeUnit.MILLISECONDS);
        if (read != DEFAULT_IDLE_TIMEOUT_MS) {
            // Only then: an idle timeout set per request is set on the connection and set back when it returns to
            // the pool, a reschedule each way.
            proxyToServerRequest.idleTimeout(read, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * After an attempt failed with nothing sent to the client yet: whether to try again, the exchange now on its
     * next node. Only a connection failure of a request without a body is retried (nothing reached the node),
     * up to the upstream's {@code retries}.
     */
    public boolean retry(ProxyExchange exchange, Throwable failure) {
        if (!isConnectFailure(failure) || exchange.request().hasContent() || !exchange.mayRetry()) {
            return false;
        }
        UpstreamNode failedNode = exchange.node();
        UpstreamNode next = exchange.nextNode();
        if (next == null) {
            return false;
        }
        LOG.debug("route {}: retrying {} on {} after {} failed: {}", exchange.route().id(), exchange.path().forwarded(),
                next.authority(), failedNode.authority(), failure.toString());
        return true;
    }

    /**
     * The status to answer for an exchange that failed for good, with one log line: the client's own status when
     * its request failed (a malformed body: 400, never blamed on the upstream), 504 for a timeout, else 502.
     */
    public int failed(ProxyExchange exchange, Throwable failure) {
        HttpException clientError = clientError(failure);
        if (clientError != null) {
            LOG.info("route {}: {} {} from {} failed: {}", exchange.route().id(), exchange.request().method(),
                    exchange.path().forwarded(), exchange.request().remoteAddress(), clientError.getReason());
            return clientError.getCode();
        }
        if (exchange.node() != null) {
            LOG.info("route {}: upstream {} failed for {} {}: {}", exchange.route().id(), exchange.node().authority(),
                    exchange.request().method(), exchange.path().forwarded(), rootCause(failure));
        }
        return failure instanceof TimeoutException ? 504 : 502;
    }

    /**
     * The client went away while its response streamed (a write to it failed): not the upstream's doing, and
     * nothing an operator acts on; one debug line.
     */
    public void clientGone(ProxyExchange exchange, Throwable failure) {
        LOG.debug("route {}: the client of {} {} went away: {}", exchange.route().id(), exchange.request().method(),
                exchange.path().forwarded(), failure.toString());
    }

    /**
     * The request ended: the client got {@code status} (or the connection failed while it streamed). Told once per
     * {@link #begin}, by the door.
     *
     * @param requestBody        body bytes received from the client
     * @param responseBody       body bytes sent to the client
     * @param responseFieldBytes the size of the response's header fields ({@link MessageSize#fields})
     */
    public void completed(ProxyExchange exchange, int status, long requestBody, long responseBody,
                          long responseFieldBytes) {
        if (!exchange.complete()) {
            return;
        }
        meter.completed(exchange, status, MessageSize.request(exchange.request(), requestBody),
                MessageSize.response(responseFieldBytes, responseBody), System.nanoTime());
    }

    /** The client's request failed to be read (a bad chunk size, say): Jetty's 4xx for it, else null. */
    private static HttpException clientError(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof HttpException http && http.getCode() >= 400 && http.getCode() < 500) {
                return http;
            }
        }
        return null;
    }

    /** Whether an upstream's response header goes on to the client. */
    public static boolean forwardsResponseHeader(HttpField field) {
        return ProxyHeaders.forwardsResponseHeader(field);
    }

    /** Whether an upstream's response header, by name, goes on to the client. */
    public static boolean forwardsResponseHeader(String name) {
        return ProxyHeaders.forwardsResponseHeader(name);
    }

    /** The upstream client the servlet door hands to its parent (which wants one of its own). */
    HttpClient sharedClient() {
        return clients.shared();
    }

    private static boolean isConnectFailure(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof ConnectException || t instanceof UnresolvedAddressException
                    || t instanceof UnknownHostException) {
                return true;
            }
        }
        return false;
    }

    private static String rootCause(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }

    /** The name this gateway goes by (in {@code Via}, and {@code apisix_node_info}): the local host's name. */
    public static String localHostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    @Override
    public void close() {
        clients.close();
    }
}
