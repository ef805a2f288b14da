package io.github.vaultsni.http2;

import org.eclipse.jetty.http2.api.server.ServerSessionListener;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;

/**
 * Cleartext HTTP/2 ({@code h2c}, prior knowledge or upgrade), as Jetty's factory, except that a malformed request is
 * reset with {@code PROTOCOL_ERROR} ({@link StrictHTTP2ServerConnectionFactory.MalformedRequestReset}) rather than
 * failing inside Jetty.
 */
public class StrictHTTP2CServerConnectionFactory extends HTTP2CServerConnectionFactory {
    public StrictHTTP2CServerConnectionFactory(HttpConfiguration configuration) {
        super(configuration);
    }

    @Override
    protected ServerSessionListener newSessionListener(Connector connector, EndPoint endPoint) {
        return new StrictHTTP2ServerConnectionFactory.MalformedRequestReset(this, endPoint);
    }
}
