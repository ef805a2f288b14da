package io.github.vaultsni.http2;

import org.eclipse.jetty.http2.ErrorCode;
import org.eclipse.jetty.http2.HTTP2Stream;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.api.server.ServerSessionListener;
import org.eclipse.jetty.http2.frames.ResetFrame;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP/2 over TLS ({@code h2}), as Jetty's factory, except that a malformed request is reset with
 * {@code PROTOCOL_ERROR} ({@link MalformedRequestReset}) rather than failing inside Jetty with a burst of WARN lines.
 */
public class StrictHTTP2ServerConnectionFactory extends HTTP2ServerConnectionFactory {
    private static final Logger LOG = LoggerFactory.getLogger(StrictHTTP2ServerConnectionFactory.class);

    public StrictHTTP2ServerConnectionFactory(HttpConfiguration configuration) {
        super(configuration);
    }

    @Override
    protected ServerSessionListener newSessionListener(Connector connector, EndPoint endPoint) {
        return new MalformedRequestReset(this, endPoint);
    }

    /**
     * Jetty's HTTP/2 session listener, answering a malformed request (a {@code :path} without its slash, an
     * upper-case field name, a pseudo-header twice: what Jetty's HPACK decoder marks failed) as RFC 9113 §8.1.1
     * says, with a stream error of type {@code PROTOCOL_ERROR}. Jetty 12.1.5 instead hands it to the HTTP layer as
     * a stream without a request, whose error response then fails on that missing request: a
     * {@code NullPointerException} in {@code HttpStreamOverHTTP2.failed} and about 80 WARN lines per request, which
     * any client could send at will. Here it costs one line at debug. (Nested here because Jetty's listener class
     * is protected; {@link StrictHTTP2CServerConnectionFactory} uses it too.)
     */
    static final class MalformedRequestReset extends HTTPServerSessionListener {
        MalformedRequestReset(HTTP2ServerConnectionFactory factory, EndPoint endPoint) {
            factory.super(endPoint);
        }

        @Override
        public void onStreamFailure(Stream stream, Throwable failure, Callback callback) {
            if (stream instanceof HTTP2Stream http2 && http2.getAttachment() != null) {
                super.onStreamFailure(stream, failure, callback); // a stream the HTTP layer already serves
                return;
            }
            LOG.debug("resetting HTTP/2 stream {} from {}: malformed request ({})", stream.getId(),
                    stream.getSession().getRemoteSocketAddress(), failure.getMessage());
            stream.reset(new ResetFrame(stream.getId(), ErrorCode.PROTOCOL_ERROR.code), callback);
        }
    }
}
