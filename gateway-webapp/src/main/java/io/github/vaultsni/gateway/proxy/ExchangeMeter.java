package io.github.vaultsni.gateway.proxy;

/**
 * Hears that a request ended, for the traffic meters: the seam between the forwarding core and whatever counts
 * (the gateway's {@code metrics.ApisixMetrics}). Both doors tell it through {@link Forwarder#completed}, once per
 * request that reached them, whether forwarded or answered by the gateway.
 *
 * <p>Called on the request's thread at the end of every request: implementations must not lock, block or
 * allocate.
 */
public interface ExchangeMeter {
    /** Counts nothing. */
    ExchangeMeter NONE = (exchange, status, requestBytes, responseBytes, endNanos) -> {
    };

    /** A request reached a door ({@link Forwarder#begin}); {@link #completed} follows once it ends. */
    default void started() {
    }

    /**
     * @param exchange      the request's exchange: its route (null: none matched), node, and upstream time
     * @param status        the status the client got
     * @param requestBytes  the request's size: request line, headers and body as received
     * @param responseBytes the response's size: status line, headers and body as sent
     * @param endNanos      when it ended ({@link System#nanoTime()})
     */
    void completed(ProxyExchange exchange, int status, long requestBytes, long responseBytes, long endNanos);
}
