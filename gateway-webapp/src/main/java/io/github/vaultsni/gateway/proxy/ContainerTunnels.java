package io.github.vaultsni.gateway.proxy;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServletRequest;
import org.eclipse.jetty.ee11.servlet.ServletContextRequest;
import org.eclipse.jetty.util.Callback;

/**
 * The servlet door's way to a WebSocket tunnel: the container's own request behind the servlet request, which the
 * tunnel is opened on (the servlet API cannot hand over a connection or an HTTP/2 stream). Jetty's ee11 classes are
 * named only here, so that where a web application cannot reach them (a WAR on a stock Jetty, whose server classes
 * are hidden) only calls into this class fail, with a {@link LinkageError} the door catches, and the door itself
 * still loads.
 */
final class ContainerTunnels {
    private ContainerTunnels() {
    }

    /** The protocol of an HTTP/2 extended CONNECT behind {@code request}, else null. */
    static String tunnelProtocol(HttpServletRequest request) {
        ServletContextRequest core = ServletContextRequest.getServletContextRequest(request);
        var tunnel = core == null ? null : core.getTunnelSupport();
        return tunnel == null ? null : tunnel.getProtocol();
    }

    /** Opens the WebSocket {@code exchange} asks for on the container's request; false when there is none. */
    static boolean open(Forwarder forwarder, ProxyExchange exchange, HttpServletRequest request) {
        ServletContextRequest core = ServletContextRequest.getServletContextRequest(request);
        if (core == null) {
            return false;
        }
        AsyncContext async = request.getAsyncContext();
        WebSocketTunnel.open(forwarder, exchange, core, core.getServletContextResponse(),
                Callback.from(async::complete, failure -> async.complete()), true);
        return true;
    }
}
