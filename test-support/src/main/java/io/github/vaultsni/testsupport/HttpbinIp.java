package io.github.vaultsni.testsupport;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The upstream of APISIX's walk-through, httpbin.org's {@code /ip}, on 127.0.0.1 for tests that proxy to it
 * without the internet: {@code {"origin":"127.0.0.1"}}. Stop it with {@code stop(0)}.
 */
public final class HttpbinIp {
    private HttpbinIp() {
    }

    /** Started on a free port ({@code getAddress().getPort()}). */
    public static HttpServer start() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
            server.createContext("/ip", exchange -> {
                byte[] body = "{\"origin\":\"127.0.0.1\"}".getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
            });
            server.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the httpbin /ip stand-in", e);
        }
    }
}
