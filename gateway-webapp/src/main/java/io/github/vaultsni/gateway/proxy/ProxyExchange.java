package io.github.vaultsni.gateway.proxy;

import io.github.vaultsni.gateway.route.Route;
import io.github.vaultsni.gateway.route.Upstream;
import io.github.vaultsni.gateway.route.UpstreamNode;
import org.eclipse.jetty.client.HttpClient;

import java.util.HashSet;
import java.util.Set;

/**
 * One proxied request, from the {@link Forwarder}'s decision to the end of its response: the client's request,
 * the route it matched, the client for its upstream, the node of the current attempt, the nodes that failed and
 * how many attempts were made, and when the upstream was asked and answered (for the meters and the access log);
 * or, for a request answered by the gateway itself, the status and message. Confined to the request's callbacks,
 * which Jetty never runs at once for one request.
 */
public final class ProxyExchange {
    /** The request attribute a door keeps the exchange in, for the access log (and the servlet door's callbacks). */
    public static final String ATTRIBUTE = ProxyExchange.class.getName();
    private final GatewayRequest request;
    private final Route route;
    private final HttpClient client;
    private final Refusal refusal;
    private final String hashKey;
    private Set<UpstreamNode> failed;
    private UpstreamNode node;
    private int attempts;
    private boolean completed;
    private long requestBodyBytes;
    private long responseBodyBytes;
    private long upstreamBeginNanos;
    private long upstreamEndNanos;
    private int upstreamStatus;

    private ProxyExchange(GatewayRequest request, Route route, HttpClient client, String hashKey, Refusal refusal) {
        this.request = request;
        this.route = route;
        this.client = client;
        this.hashKey = hashKey;
        this.refusal = refusal;
    }

    static ProxyExchange forward(GatewayRequest request, Route route, HttpClient client, String hashKey) {
        return new ProxyExchange(request, route, client, hashKey, null);
    }

    /** Answered by the gateway with {@code refusal}, without an upstream. */
    static ProxyExchange refuse(GatewayRequest request, Route route, Refusal refusal) {
        return new ProxyExchange(request, route, null, null, refusal);
    }

    /** Whether the gateway answers this request itself ({@link #refusal()}), without an upstream. */
    public boolean refused() {
        return refusal != null;
    }

    /** How the gateway answers this request itself; null for one forwarded. */
    public Refusal refusal() {
        return refusal;
    }

    /** The client's request, as read once when it entered. */
    public GatewayRequest request() {
        return request;
    }

    /** The normalised path the route matched and the upstream receives; null when the raw one was refused. */
    public RequestPath path() {
        return request.path();
    }

    /** The route matched, or null when none did. */
    public Route route() {
        return route;
    }

    Upstream upstream() {
        return route.upstream();
    }

    HttpClient client() {
        return client;
    }

    /** The node of the current attempt (null before the first, or when none was left). */
    public UpstreamNode node() {
        return node;
    }

    /** Moves to the node for the next attempt (the current one counted as failed); null when none is left. */
    UpstreamNode nextNode() {
        if (node != null) {
            if (failed == null) {
                failed = new HashSet<>(4);
            }
            failed.add(node);
        }
        node = upstream().balancer().pick(hashKey, failed == null ? Set.of() : failed);
        attempts++;
        return node;
    }

    /** Whether another node may be tried: APISIX's {@code retries} counts attempts after the first. */
    boolean mayRetry() {
        return attempts <= upstream().retries();
    }

    /** Marks the exchange ended; false when it had been already (a door's end paths may cross). */
    boolean complete() {
        boolean first = !completed;
        completed = true;
        return first;
    }

    /** Body bytes read from the client, for a door that counts them itself (the servlet's). */
    void requestBodyRead(int bytes) {
        requestBodyBytes += bytes;
    }

    long requestBodyBytes() {
        return requestBodyBytes;
    }

    /** Body bytes written to the client, for a door that counts them itself (the servlet's). */
    void responseBodyWritten(int bytes) {
        responseBodyBytes += bytes;
    }

    long responseBodyBytes() {
        return responseBodyBytes;
    }

    /** An attempt is being sent: the first one starts the upstream's time. */
    void upstreamSending() {
        if (upstreamBeginNanos == 0) {
            upstreamBeginNanos = System.nanoTime();
        }
        upstreamStatus = 0;
    }

    /** The current attempt's node answered with {@code status} (its response may still be streaming). */
    void upstreamResponded(int status) {
        upstreamStatus = status;
    }

    /** The current attempt ended, its response complete or failed: the end of the upstream's time. */
    void upstreamEnded() {
        upstreamEndNanos = System.nanoTime();
    }

    /**
     * How long the upstream took, from the first attempt's send to the last attempt's end (nginx's
     * {@code $upstream_response_time}), in nanoseconds; -1 when nothing was sent.
     */
    public long upstreamNanos() {
        return upstreamBeginNanos == 0 || upstreamEndNanos == 0 ? -1 : upstreamEndNanos - upstreamBeginNanos;
    }

    /** The status the last attempt's node answered, or 0 when it answered none. */
    public int upstreamStatus() {
        return upstreamStatus;
    }
}
