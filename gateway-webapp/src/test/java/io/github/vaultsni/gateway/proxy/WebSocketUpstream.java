package io.github.vaultsni.gateway.proxy;

import io.github.vaultsni.testsupport.TestPki;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;

import java.nio.ByteBuffer;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A WebSocket upstream at {@code /ws}: echoes each text message as {@code <name>:<message>} and each binary one as
 * it came; a text message {@code host?} is answered with the {@code Host} of the handshake it received, and
 * {@code close} makes it close the session (1000). Agrees to the subprotocol {@code chat} when offered. Plain, or
 * over TLS ({@code wss}) with a certificate of its own. Everything else answers 404.
 */
public final class WebSocketUpstream implements AutoCloseable {
    final String name;
    /** Handshakes it accepted. */
    public final List<String> handshakes = new CopyOnWriteArrayList<>();
    private final Server server = new Server();
    private final ServerConnector connector;

    public WebSocketUpstream(String name, boolean tls) throws Exception {
        this.name = name;
        HttpConnectionFactory http = new HttpConnectionFactory(new HttpConfiguration());
        if (tls) {
            http.getHttpConfiguration().addCustomizer(new SecureRequestCustomizer(false));
            TestPki.Issued leaf = TestPki.rootCa("WS-UPSTREAM-CA", "EC").leaf("EC", "127.0.0.1");
            KeyStore keyStore = KeyStore.getInstance("PKCS12");
            keyStore.load(null, null);
            keyStore.setKeyEntry("upstream", leaf.keys().getPrivate(), "pw".toCharArray(),
                    new java.security.cert.Certificate[]{leaf.certificate()});
            SslContextFactory.Server ssl = new SslContextFactory.Server();
            ssl.setKeyStore(keyStore);
            ssl.setKeyStorePassword("pw");
            connector = new ServerConnector(server, new SslConnectionFactory(ssl, "http/1.1"), http);
        } else {
            connector = new ServerConnector(server, http);
        }
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        server.setHandler(WebSocketUpgradeHandler.from(server, container -> {
            container.setMaxBinaryMessageSize(1 << 20);
            container.setMaxTextMessageSize(1 << 20);
            container.addMapping("/ws", (request, response, callback) -> {
            handshakes.add(request.getHeaders().get("Host"));
            if (request.getSubProtocols().contains("chat")) {
                response.setAcceptedSubProtocol("chat");
            }
            return new Echo(request.getHeaders().get("Host"));
            });
        }));
        server.start();
    }

    /** {@code 127.0.0.1:port}, as a route's node. */
    public String node() {
        return "127.0.0.1:" + connector.getLocalPort();
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }

    public final class Echo implements Session.Listener.AutoDemanding {
        private final String host;
        private Session session;

        Echo(String host) {
            this.host = host;
        }

        @Override
        public void onWebSocketOpen(Session session) {
            this.session = session;
        }

        @Override
        public void onWebSocketText(String message) {
            switch (message) {
                case "host?" -> session.sendText(host, Callback.NOOP);
                case "close" -> session.close(1000, "asked to", Callback.NOOP);
                default -> session.sendText(name + ":" + message, Callback.NOOP);
            }
        }

        @Override
        public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
            session.sendBinary(payload, callback);
        }
    }
}
