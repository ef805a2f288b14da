package io.github.vaultsni.gateway.proxy;

import io.github.vaultsni.gateway.route.Route;
import io.github.vaultsni.gateway.route.RouteTable;
import io.github.vaultsni.gateway.route.Upstream;
import io.github.vaultsni.gateway.route.UpstreamNode;
import io.github.vaultsni.sni.SniCertificates;
import io.github.vaultsni.sni.SniEntry;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.RandomConnectionPool;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.ee11.proxy.AsyncProxyServlet;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;

import java.io.IOException;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Proxies each request to the upstream of the route it matches, with Jetty's asynchronous proxy servlet
 * (request and response bodies streamed, never buffered whole). The legs: client-to-proxy request (matched
 * against the current {@link RouteTable}), proxy-to-server request (node from the upstream's balancer;
 * {@code pass_host}; hop-by-hop headers dropped; {@code Via}, {@code Forwarded}, {@code X-Forwarded-*},
 * {@code X-Real-IP} set), server-to-proxy response, proxy-to-client response. A request without a body whose
 * connection to a node fails is retried on the next node, up to the upstream's {@code retries}. Failures map
 * to JSON in one place: 404 no route, 502 upstream failure, 504 timeout.
 *
 * <p>Init-params: those of {@code AbstractProxyServlet} ({@code maxConnections}, {@code idleTimeout}, ...). The
 * route table comes from the servlet context attribute {@value #ROUTES_ATTRIBUTE}, a {@code Supplier<RouteTable>}.
 */
public class GatewayProxyServlet extends AsyncProxyServlet {
    public static final String ROUTES_ATTRIBUTE = "io.github.vaultsni.gateway.proxy.Routes";
    /** The {@link SniCertificates} served on HTTPS, for the client-certificate rules. Optional. */
    public static final String CERTIFICATES_ATTRIBUTE = "io.github.vaultsni.gateway.proxy.Certificates";
    /** A {@code Function<String, List<Pattern>>}: an SSL object's {@code skip_mtls_uri_regex}. Optional. */
    public static final String SKIP_MTLS_ATTRIBUTE = "io.github.vaultsni.gateway.proxy.SkipMtls";
    /** A {@code Function<String, Optional<SniEntry>>}: client SSL objects by id, for upstream mTLS. Optional. */
    public static final String CLIENT_CERTIFICATES_ATTRIBUTE = "io.github.vaultsni.gateway.proxy.ClientCertificates";
    private static final String EXCHANGE = ProxyExchange.class.getName();
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
    private static final String REFUSAL = Refusal.class.getName();

    /** Why a request is answered here instead of proxied: the status, and a message (null: the status's own). */
    private record Refusal(int status, String message) {
    }

    private transient Supplier<RouteTable> routes;
    private transient UpstreamClients clients;
    private transient MtlsPolicy mtls;

    @Override
    @SuppressWarnings("unchecked")
    public void init() throws ServletException {
        super.init();
        routes = (Supplier<RouteTable>) getServletContext().getAttribute(ROUTES_ATTRIBUTE);
        if (routes == null) {
            throw new ServletException("GatewayProxyServlet needs servlet context attribute " + ROUTES_ATTRIBUTE);
        }
        Object certificates = getServletContext().getAttribute(CLIENT_CERTIFICATES_ATTRIBUTE);
        clients = new UpstreamClients(getHttpClient(), this::newHttpClient,
                certificates != null ? (Function<String, Optional<SniEntry>>) certificates : id -> Optional.empty());
        Object served = getServletContext().getAttribute(CERTIFICATES_ATTRIBUTE);
        Object skip = getServletContext().getAttribute(SKIP_MTLS_ATTRIBUTE);
        mtls = served == null ? null : new MtlsPolicy((SniCertificates) served,
                skip != null ? (Function<String, List<Pattern>>) skip : id -> List.of());
    }

    @Override
    public void destroy() {
        if (clients != null) {
            clients.close();
        }
        super.destroy();
    }

    /** The shared client: pooled, no redirects followed, TLS to upstreams not verified (APISIX's default). */
    @Override
    protected HttpClient newHttpClient(ClientConnector clientConnector) {
        clientConnector.setSslContextFactory(new UnverifiedUpstreamTls());
        return tuned(super.newHttpClient(clientConnector));
    }

    /** Another client like the shared one, with its own TLS settings (verification, a client certificate). */
    private HttpClient newHttpClient(SslContextFactory.Client tls) {
        ClientConnector connector = newClientConnector();
        connector.setSslContextFactory(tls);
        HttpClient client = tuned(super.newHttpClient(connector));
        client.setExecutor(getHttpClient().getExecutor());
        return client;
    }

    private static HttpClient tuned(HttpClient client) {
        client.setFollowRedirects(false);
        client.setMaxConnectionsPerDestination(1024);
        // Jetty's default pool looks for an idle connection from the first one on, stepping over every busy one:
        // 14 % of the proxy's CPU samples with 64 to 320 requests in flight (JFR); from a random start, 10 %.
        client.getTransport().setConnectionPoolFactory(
                destination -> new RandomConnectionPool(destination, client.getMaxConnectionsPerDestination(), 1));
        return client;
    }

    /** Client-to-proxy: match the route, choose the first node; null (with the reason kept) when none. */
    @Override
    protected String rewriteTarget(HttpServletRequest clientToProxyRequest) {
        String host = hostOf(clientToProxyRequest);
        Optional<String> mtlsRefusal = mtlsRefusal(clientToProxyRequest, host);
        if (mtlsRefusal.isPresent()) {
            clientToProxyRequest.setAttribute(REFUSAL, new Refusal(400, mtlsRefusal.get()));
            return null;
        }
        Route route = routes.get().match(host, clientToProxyRequest.getMethod(), clientToProxyRequest.getRequestURI());
        if (route == null) {
            clientToProxyRequest.setAttribute(REFUSAL, new Refusal(404, null));
            return null;
        }
        ProxyExchange exchange = new ProxyExchange(route, hashKey(clientToProxyRequest, route.upstream()));
        Optional<HttpClient> client = clients.forUpstream(route.upstream());
        if (client.isEmpty()) {
            _log.warn("route {}: client certificate {} for the upstream is not available", route.id(),
                    route.upstream().clientCertId());
            clientToProxyRequest.setAttribute(REFUSAL, new Refusal(502, null));
            return null;
        }
        exchange.client = client.get();
        UpstreamNode node = exchange.nextNode();
        if (node == null) {
            clientToProxyRequest.setAttribute(REFUSAL, new Refusal(502, null));
            return null;
        }
        clientToProxyRequest.setAttribute(EXCHANGE, exchange);
        return target(clientToProxyRequest, route.upstream(), node);
    }

    /** The client-certificate rules, for HTTPS requests when the gateway gave the certificates. */
    private Optional<String> mtlsRefusal(HttpServletRequest request, String host) {
        if (mtls == null || !request.isSecure()
                || !(request.getAttribute(EndPoint.SslSessionData.ATTRIBUTE) instanceof EndPoint.SslSessionData ssl)) {
            return Optional.empty();
        }
        Object sni = ssl.sslSession() == null ? null : ssl.sslSession().getValue(SslContextFactory.Server.SNI_HOST);
        boolean hasCertificate = ssl.peerCertificates() != null && ssl.peerCertificates().length > 0;
        return mtls.refusal(sni instanceof String s ? s : null, host, hasCertificate, request.getRequestURI());
    }

    @Override
    protected void onProxyRewriteFailed(HttpServletRequest clientToProxyRequest, HttpServletResponse proxyToClientResponse) {
        Refusal refusal = clientToProxyRequest.getAttribute(REFUSAL) instanceof Refusal r ? r : new Refusal(502, null);
        writeError(proxyToClientResponse, refusal.status(), refusal.message());
    }

    /** Proxy-to-server: made with the upstream's client (TLS verification, client certificate). */
    @Override
    protected Request newProxyRequest(HttpServletRequest clientToProxyRequest, String target) {
        return exchange(clientToProxyRequest).client.newRequest(target)
                .method(clientToProxyRequest.getMethod())
                .attribute(CLIENT_REQUEST_ATTRIBUTE, clientToProxyRequest);
    }

    /**
     * Proxy-to-server, as it leaves: the upstream's timeouts, APISIX's {@code read} as the idle timeout and
     * {@code connect + send + read} as the total (set here, as the parent sets its own default before this).
     */
    @Override
    protected void sendProxyRequest(HttpServletRequest clientToProxyRequest, HttpServletResponse proxyToClientResponse,
                                    Request proxyToServerRequest) {
        Upstream upstream = exchange(clientToProxyRequest).upstream();
        long total = upstream.connectTimeout().plus(upstream.sendTimeout()).plus(upstream.readTimeout()).toMillis();
        proxyToServerRequest.idleTimeout(upstream.readTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .timeout(total, TimeUnit.MILLISECONDS);
        super.sendProxyRequest(clientToProxyRequest, proxyToClientResponse, proxyToServerRequest);
    }

    /** Hop-by-hop headers and those named by {@code Connection} are dropped by the parent; then {@code pass_host}. */
    @Override
    protected void copyRequestHeaders(HttpServletRequest clientToProxyRequest, Request proxyToServerRequest) {
        super.copyRequestHeaders(clientToProxyRequest, proxyToServerRequest);
        ProxyExchange exchange = exchange(clientToProxyRequest);
        Upstream upstream = exchange.upstream();
        String host = switch (upstream.passHost()) {
            case "node" -> exchange.node().authority();
            case "rewrite" -> upstream.upstreamHost();
            default -> clientToProxyRequest.getHeader("Host");
        };
        if (host != null) {
            proxyToServerRequest.headers(headers -> headers.put(HttpHeader.HOST, host));
        }
    }

    /** {@code Via} and {@code Forwarded} (appended, RFC 7239), then the de-facto {@code X-Forwarded-*} and {@code X-Real-IP}. */
    @Override
    protected void addProxyHeaders(HttpServletRequest clientToProxyRequest, Request proxyToServerRequest) {
        super.addProxyHeaders(clientToProxyRequest, proxyToServerRequest);
        String client = clientToProxyRequest.getRemoteAddr();
        String previous = clientToProxyRequest.getHeader("X-Forwarded-For");
        String host = clientToProxyRequest.getHeader("Host");
        proxyToServerRequest.headers(headers -> {
            headers.put("X-Forwarded-For", previous == null ? client : previous + ", " + client);
            headers.put("X-Forwarded-Proto", clientToProxyRequest.getScheme());
            if (host != null) {
                headers.put("X-Forwarded-Host", host);
            }
            headers.put("X-Forwarded-Port", String.valueOf(clientToProxyRequest.getLocalPort()));
            headers.put("X-Real-IP", client);
        });
    }

    /** Server-to-proxy headers: the upstream's {@code Date} gives way to ours (one Date header, as nginx sends). */
    @Override
    protected String filterServerResponseHeader(HttpServletRequest clientToProxyRequest, Response serverToProxyResponse,
                                                String headerName, String headerValue) {
        return HttpHeader.DATE.is(headerName) ? null : headerValue;
    }

    /** Server-to-proxy failed: the next node when nothing was sent yet and the connection failed, else an error. */
    @Override
    protected void onProxyResponseFailure(HttpServletRequest clientToProxyRequest, HttpServletResponse proxyToClientResponse,
                                          Response serverToProxyResponse, Throwable failure) {
        ProxyExchange exchange = exchange(clientToProxyRequest);
        if (exchange != null && isConnectFailure(failure) && !proxyToClientResponse.isCommitted()
                && !hasContent(clientToProxyRequest) && exchange.mayRetry()) {
            UpstreamNode next = exchange.nextNode();
            if (next != null) {
                _log.debug("retrying {} on {} after {}", clientToProxyRequest.getRequestURI(), next.authority(), failure.toString());
                Request retry = newProxyRequest(clientToProxyRequest, target(clientToProxyRequest, exchange.upstream(), next));
                copyRequestHeaders(clientToProxyRequest, retry);
                addProxyHeaders(clientToProxyRequest, retry);
                sendProxyRequest(clientToProxyRequest, proxyToClientResponse, retry);
                return;
            }
        }
        if (exchange != null && exchange.node() != null) {
            _log.info("route {}: upstream {} failed for {} {}: {}", exchange.route.id(), exchange.node().authority(),
                    clientToProxyRequest.getMethod(), clientToProxyRequest.getRequestURI(), rootCause(failure));
        }
        super.onProxyResponseFailure(clientToProxyRequest, proxyToClientResponse, serverToProxyResponse, failure);
    }

    private static String rootCause(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }

    /** Proxy-to-client error: APISIX-style JSON instead of the container's error page. */
    @Override
    protected void sendProxyResponseError(HttpServletRequest clientToProxyRequest, HttpServletResponse proxyToClientResponse,
                                          int status) {
        try {
            if (!proxyToClientResponse.isCommitted()) {
                proxyToClientResponse.resetBuffer();
                writeError(proxyToClientResponse, status, null);
            }
        } finally {
            if (clientToProxyRequest.isAsyncStarted()) {
                clientToProxyRequest.getAsyncContext().complete();
            }
        }
    }

    private static void writeError(HttpServletResponse response, int status, String detail) {
        String message = detail != null ? detail : switch (status) {
            case 404 -> "404 Route Not Found";
            case 504 -> "504 Gateway Timeout";
            default -> status + " Bad Gateway";
        };
        response.setStatus(status);
        response.setContentType("application/json");
        byte[] body = JSON.createObjectNode().put("error_msg", message).toString().getBytes(StandardCharsets.UTF_8);
        // No Content-Length here: reaching it would flush (block) at once; the small body waits in the response
        // buffer and Jetty sets the length when the response completes, without blocking (NonBlockingProxyContext).
        try {
            response.getOutputStream().write(body);
        } catch (IOException e) {
            // The client went away; nothing left to tell it.
        }
    }

    private static boolean isConnectFailure(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof ConnectException || t instanceof java.nio.channels.UnresolvedAddressException
                    || t instanceof java.net.UnknownHostException) {
                return true;
            }
        }
        return false;
    }

    private static String target(HttpServletRequest request, Upstream upstream, UpstreamNode node) {
        String query = request.getQueryString();
        return upstream.scheme() + "://" + node.authority() + request.getRequestURI() + (query == null ? "" : "?" + query);
    }

    private static String hostOf(HttpServletRequest request) {
        String name = request.getServerName();
        return name == null ? null : name.toLowerCase(Locale.ROOT);
    }

    /** What chash hashes: a header, a cookie, the URI, or (default) the client address. */
    private static String hashKey(HttpServletRequest request, Upstream upstream) {
        return switch (upstream.hashOn()) {
            case "header" -> request.getHeader(upstream.hashKey());
            case "cookie" -> cookie(request, upstream.hashKey());
            default -> upstream.hashKey().equals("uri") || upstream.hashKey().equals("request_uri")
                    ? request.getRequestURI() : request.getRemoteAddr();
        };
    }

    private static String cookie(HttpServletRequest request, String name) {
        if (request.getCookies() != null) {
            for (Cookie cookie : request.getCookies()) {
                if (cookie.getName().equals(name)) {
                    return cookie.getValue();
                }
            }
        }
        return null;
    }

    private static ProxyExchange exchange(HttpServletRequest request) {
        return (ProxyExchange) request.getAttribute(EXCHANGE);
    }
}
