package io.github.vaultsni.gateway.listener;

import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.internal.HttpConnection;

/**
 * HTTP/1.1 connections that go back to reading on the thread that completed their last response.
 *
 * <p>When a response completes on another thread than the one that read its request (always, for a proxy: the
 * upstream's answer completes it), Jetty's {@code HttpConnection} hands the connection to the thread pool to read
 * the next request: a thread wake-up and a context switch per request (about a sixth of the proxy's CPU samples
 * under HTTP/1.1 keep-alive load, with {@code LockSupport.unpark} and the scheduler on top). With a handler that
 * never blocks, that read may as well happen on the completing thread: it finds no data and registers for the
 * next (or handles a pipelined request, without blocking). {@link ProxyThreadPool} runs these connections inline.
 */
public final class InlineResumeHttpConnectionFactory extends HttpConnectionFactory {

    public InlineResumeHttpConnectionFactory(HttpConfiguration configuration) {
        super(configuration);
    }

    @Override
    public Connection newConnection(Connector connector, EndPoint endPoint) {
        return configure(new InlineResumeHttpConnection(getHttpConfiguration(), connector, endPoint), connector, endPoint);
    }

    /** Marks the connections {@link ProxyThreadPool} may run on the calling thread. */
    static final class InlineResumeHttpConnection extends HttpConnection {
        InlineResumeHttpConnection(HttpConfiguration configuration, Connector connector, EndPoint endPoint) {
            super(configuration, connector, endPoint);
        }
    }
}
