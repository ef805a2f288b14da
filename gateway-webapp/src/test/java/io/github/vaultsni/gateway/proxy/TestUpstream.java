package io.github.vaultsni.gateway.proxy;

import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A local upstream standing in for httpbin: answers JSON naming itself, the path, and the headers a proxy sets
 * ({@code ?sleep=ms} delays the answer). Counts the requests it served.
 */
public final class TestUpstream implements AutoCloseable {
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
    final String name;
    final AtomicInteger served = new AtomicInteger();
    private final Server server = new Server();
    private final ServerConnector connector = new ServerConnector(server);

    public TestUpstream(String name) throws Exception {
        this.name = name;
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                Fields query = Request.extractQueryParameters(request);
                if (query.getValue("sleep") != null) {
                    Thread.sleep(Long.parseLong(query.getValue("sleep")));
                }
                served.incrementAndGet();
                var h = request.getHeaders();
                String body = JSON.createObjectNode().put("upstream", name).put("path", request.getHttpURI().getPath())
                        .put("origin", Request.getRemoteAddr(request)).put("host", h.get("Host"))
                        .put("x_forwarded_for", h.get("X-Forwarded-For")).put("x_real_ip", h.get("X-Real-IP"))
                        .put("x_forwarded_proto", h.get("X-Forwarded-Proto")).put("x_custom", String.valueOf(h.get("X-Custom")))
                        .put("forwarded", h.get("Forwarded")).toString();
                response.getHeaders().put("Content-Type", "application/json");
                Content.Sink.write(response, true, body, callback);
                return true;
            }
        });
        server.start();
    }

    public int port() {
        return connector.getLocalPort();
    }

    public String node() {
        return "127.0.0.1:" + port();
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}
