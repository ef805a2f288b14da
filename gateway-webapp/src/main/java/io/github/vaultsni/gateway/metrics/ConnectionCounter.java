package io.github.vaultsni.gateway.metrics;

import org.eclipse.jetty.io.SelectorManager;
import org.eclipse.jetty.server.ServerConnector;

import java.nio.channels.SelectableChannel;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * nginx's {@code stub_status} counts for the gateway's listeners, as APISIX's
 * {@code apisix_nginx_http_current_connections{state}} exports them, in Jetty's terms:
 * <ul>
 *   <li>{@code accepted}: connections the listeners accepted since the start; {@code handled}: the same (Jetty
 *       hands every accepted connection to a connection, as nginx does short of its limits);</li>
 *   <li>{@code active}: connections open now;</li>
 *   <li>{@code writing}: requests being handled now (reached the proxy and not yet ended; several per HTTP/2
 *       connection);</li>
 *   <li>{@code waiting}: open connections with no request being handled ({@code active - writing}, at least 0);</li>
 *   <li>{@code reading}: always 0: Jetty does not tell a connection reading a request's headers from an idle one,
 *       so those count as {@code waiting}.</li>
 * </ul>
 * Added as a bean to each listener before it starts; counting an accepted connection is one adder increment.
 */
final class ConnectionCounter implements SelectorManager.AcceptListener {
    private final LongAdder accepted = new LongAdder();
    private final List<ServerConnector> connectors;

    private ConnectionCounter(List<ServerConnector> connectors) {
        this.connectors = List.copyOf(connectors);
    }

    /** Counts the connections of {@code connectors}, which must not have started yet. */
    static ConnectionCounter install(List<ServerConnector> connectors) {
        ConnectionCounter counter = new ConnectionCounter(connectors);
        connectors.forEach(c -> c.addBean(counter));
        return counter;
    }

    @Override
    public void onAccepted(SelectableChannel channel) {
        accepted.increment();
    }

    long accepted() {
        return accepted.sum();
    }

    long active() {
        long open = 0;
        for (ServerConnector connector : connectors) {
            open += connector.getConnectedEndPoints().size();
        }
        return open;
    }
}
