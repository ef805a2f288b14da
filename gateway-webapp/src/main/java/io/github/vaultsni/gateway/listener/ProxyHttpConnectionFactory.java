package io.github.vaultsni.gateway.listener;

import org.eclipse.jetty.http.HttpCompliance;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The proxy listeners' HTTP/1.1 connections. Three departures from Jetty's:
 * <ul>
 *   <li><b>Chunks end where their size says</b> ({@link ChunkFramingParser}): Jetty skips bytes after a chunk's
 *       data; these connections answer 400.</li>
 *   <li><b>A deadline for a request's headers</b> (nginx's {@code client_header_timeout}): from the first byte of
 *       a request, its headers must be complete within {@code headerTimeout}, else the connection is closed. Jetty
 *       has only the idle timeout, which a client sending one byte every few seconds never reaches.</li>
 *   <li><b>Reading resumes on the thread that completed the last response.</b> When a response completes on
 *       another thread than the one that read its request (always, for a proxy: the upstream's answer completes
 *       it), Jetty hands the connection to the thread pool to read the next request: a thread wake-up and a context
 *       switch per request (about a sixth of the proxy's CPU samples under HTTP/1.1 keep-alive load). With a
 *       handler that never blocks, that read may as well happen on the completing thread: it finds no data and
 *       registers for more, or handles a pipelined request without blocking. {@link ProxyThreadPool} runs these
 *       connections inline.</li>
 * </ul>
 */
public final class ProxyHttpConnectionFactory extends HttpConnectionFactory {
    private static final Logger LOG = LoggerFactory.getLogger(ProxyHttpConnectionFactory.class);
    private final long headerTimeoutMs;

    public ProxyHttpConnectionFactory(HttpConfiguration configuration, Duration headerTimeout) {
        super(configuration);
        this.headerTimeoutMs = headerTimeout.toMillis();
    }

    @Override
    public Connection newConnection(Connector connector, EndPoint endPoint) {
        return configure(new ProxyHttpConnection(getHttpConfiguration(), connector, endPoint, headerTimeoutMs),
                connector, endPoint);
    }

    /** Marks the connections {@link ProxyThreadPool} may run on the calling thread. */
    static final class ProxyHttpConnection extends HttpConnection {
        private final long headerTimeoutMs;
        private final Scheduler scheduler;
        /** When the headers being read began ({@link System#nanoTime}), or 0 between requests' headers. */
        private volatile long headersStarted;
        private Scheduler.Task headersDeadline;

        ProxyHttpConnection(HttpConfiguration configuration, Connector connector, EndPoint endPoint, long headerTimeoutMs) {
            super(configuration, connector, endPoint);
            this.headerTimeoutMs = headerTimeoutMs;
            this.scheduler = connector.getScheduler();
        }

        @Override
        protected HttpParser newHttpParser(HttpCompliance compliance) {
            HttpParser jettys = super.newHttpParser(compliance); // for its request handler and settings
            HttpParser parser = new ChunkFramingParser((HttpParser.RequestHandler) jettys.getHandler(),
                    getHttpConfiguration().getRequestHeaderSize(), compliance);
            parser.setHeaderCacheSize(jettys.getHeaderCacheSize());
            parser.setHeaderCacheCaseSensitive(jettys.isHeaderCacheCaseSensitive());
            return parser;
        }

        @Override
        public void onFillable() {
            super.onFillable();
            HttpParser parser = getParser();
            if (parser.inHeaderState() && !parser.isStart()) {
                if (headersStarted == 0) {
                    headersStarted = System.nanoTime();
                    headersDeadline = scheduler.schedule(this::checkHeaders, headerTimeoutMs, TimeUnit.MILLISECONDS);
                }
            } else if (headersStarted != 0) {
                headersStarted = 0;
                headersDeadline.cancel();
            }
        }

        private void checkHeaders() {
            long started = headersStarted;
            if (started != 0 && System.nanoTime() - started >= TimeUnit.MILLISECONDS.toNanos(headerTimeoutMs)) {
                LOG.info("closing a connection from {}: its request headers took over {} s",
                        getEndPoint().getRemoteSocketAddress(), headerTimeoutMs / 1000.0);
                getEndPoint().close(new TimeoutException("request headers not complete within " + headerTimeoutMs + " ms"));
            }
        }
    }
}
