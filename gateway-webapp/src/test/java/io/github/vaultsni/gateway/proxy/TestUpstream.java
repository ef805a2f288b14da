package io.github.vaultsni.gateway.proxy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A local upstream standing in for httpbin: answers JSON naming itself, the method, path and query, every header
 * it received (in order, values as sent) and the size and SHA-256 of the body it read; plus the headers a proxy
 * sets, by name, for short assertions. Query parameters shape the answer: {@code sleep=ms} delays it,
 * {@code status=N} sets its status, {@code header=Name:value} (repeatable) adds response headers, and
 * {@code bytes=N} answers N bytes of a known pattern instead of JSON ({@code chunked=true}: without a length).
 * Counts the requests it served and keeps the last ones' JSON; counts the connections it accepted too, so a test can
 * tell "nothing reached it" from "its parser refused what came".
 */
public final class TestUpstream implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    final String name;
    public final AtomicInteger served = new AtomicInteger();
    public final List<ObjectNode> received = new CopyOnWriteArrayList<>();
    /** Connections accepted: a request the upstream's own parser refused (400) still opened one. */
    public final AtomicInteger connections = new AtomicInteger();
    private final Server server = new Server();
    private final ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(roomyHeaders()));

    public TestUpstream(String name) throws Exception {
        this.name = name;
        connector.setHost("127.0.0.1");
        connector.addEventListener(new Connection.Listener() {
            @Override
            public void onOpened(Connection connection) {
                connections.incrementAndGet();
            }
        });
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                answer(request, response, callback);
                return true;
            }
        });
        server.start();
    }

    private void answer(Request request, Response response, Callback callback) throws Exception {
        Fields query = Request.extractQueryParameters(request);
        if (query.getValue("sleep") != null) {
            Thread.sleep(Long.parseLong(query.getValue("sleep"))); // not a wait: a slow upstream, as asked
        }
        ObjectNode echo = echo(request);
        served.incrementAndGet();
        received.add(echo);
        if (query.getValue("status") != null) {
            response.setStatus(Integer.parseInt(query.getValue("status")));
        }
        for (String header : query.getValuesOrEmpty("header")) {
            int colon = header.indexOf(':');
            response.getHeaders().add(header.substring(0, colon), header.substring(colon + 1));
        }
        if (query.getValue("bytes") != null) {
            byte[] body = pattern(Integer.parseInt(query.getValue("bytes")));
            if (!"true".equals(query.getValue("chunked"))) {
                response.getHeaders().put("Content-Length", body.length);
            }
            response.write(true, ByteBuffer.wrap(body), callback);
            return;
        }
        response.getHeaders().put("Content-Type", "application/json");
        Content.Sink.write(response, true, echo.toString(), callback);
    }

    private ObjectNode echo(Request request) throws Exception {
        var h = request.getHeaders();
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        long length = 0;
        try (InputStream body = Content.Source.asInputStream(request)) {
            byte[] buffer = new byte[8192];
            for (int n; (n = body.read(buffer)) > 0; ) {
                sha.update(buffer, 0, n);
                length += n;
            }
        }
        ObjectNode echo = JSON.createObjectNode().put("upstream", name).put("method", request.getMethod())
                .put("path", request.getHttpURI().getPath()).put("query", request.getHttpURI().getQuery())
                .put("origin", Request.getRemoteAddr(request)).put("host", h.get("Host"))
                .put("x_forwarded_for", h.get("X-Forwarded-For")).put("x_real_ip", h.get("X-Real-IP"))
                .put("x_forwarded_proto", h.get("X-Forwarded-Proto")).put("x_custom", String.valueOf(h.get("X-Custom")))
                .put("forwarded", h.get("Forwarded")).put("body_bytes", length)
                .put("body_sha256", HexFormat.of().formatHex(sha.digest()));
        ObjectNode headers = echo.putObject("headers");
        for (HttpField field : h) {
            ArrayNode values = headers.has(field.getLowerCaseName()) ? (ArrayNode) headers.get(field.getLowerCaseName())
                    : headers.putArray(field.getLowerCaseName());
            values.add(field.getValue());
        }
        return echo;
    }

    /** Room for whatever headers the gateway lets through (its own limit is what the tests probe). */
    private static HttpConfiguration roomyHeaders() {
        HttpConfiguration config = new HttpConfiguration();
        config.setRequestHeaderSize(64 * 1024);
        return config;
    }

    /** The body {@code bytes=n} answers: byte i is {@code 'a' + i % 26}. */
    static byte[] pattern(int n) {
        byte[] body = new byte[n];
        for (int i = 0; i < n; i++) {
            body[i] = (byte) ('a' + i % 26);
        }
        return body;
    }

    static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
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

    @Override
    public String toString() {
        return name + "@" + node();
    }
}
