package io.github.vaultsni.gateway;

import com.sun.net.httpserver.HttpServer;
import io.github.vaultsni.testsupport.HttpbinIp;
import org.eclipse.jetty.ee11.webapp.WebAppContext;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code target/gateway.war} deployed into a Jetty 12 ee11 server (a {@link WebAppContext}, with Jetty's default
 * class hiding): the admin API stores a route and the proxy serves it, and the Prometheus endpoint on the
 * context counts it, for the admin key only.
 */
@Timeout(120)
class GatewayWarIT {
    @TempDir
    Path dir;

    @Test
    void war_servesTheAdminApiAndProxies() throws Exception {
        HttpServer upstream = HttpbinIp.start();
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        WebAppContext webapp = new WebAppContext();
        webapp.setWar(Path.of("target", "gateway.war").toAbsolutePath().toString());
        webapp.setContextPath("/");
        webapp.setInitParameter("gateway.dataDir", dir.resolve("data").toString());
        webapp.setInitParameter("gateway.adminKey", "war-admin-key");
        webapp.setThrowUnavailableOnStartupException(true);
        server.setHandler(webapp);
        server.start();
        try {
            String base = "http://127.0.0.1:" + connector.getLocalPort();
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create(base + "/apisix/admin/routes/ip"))
                    .header("X-API-KEY", "war-admin-key").PUT(HttpRequest.BodyPublishers.ofString(
                            "{\"uri\":\"/ip\",\"upstream\":{\"nodes\":{\"127.0.0.1:" + upstream.getAddress().getPort() + "\":1}}}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(201, put.statusCode(), put.body());
            HttpResponse<String> noKey = http.send(HttpRequest.newBuilder(URI.create(base + "/apisix/admin/routes")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(401, noKey.statusCode());
            HttpResponse<String> proxied = http.send(HttpRequest.newBuilder(URI.create(base + "/ip")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, proxied.statusCode(), proxied.body());
            assertTrue(proxied.body().contains("\"origin\""), proxied.body());
            HttpResponse<String> missing = http.send(HttpRequest.newBuilder(URI.create(base + "/none")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(404, missing.statusCode());
            assertEquals("{\"error_msg\":\"404 Route Not Found\"}", missing.body());
            HttpResponse<String> metricsWithoutKey = http.send(HttpRequest.newBuilder(URI.create(base
                    + "/apisix/prometheus/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(401, metricsWithoutKey.statusCode(), "the WAR's metrics share the public connector");
            HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create(base
                    + "/apisix/prometheus/metrics?api_key=war-admin-key")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, metrics.statusCode(), metrics.body());
            assertTrue(metrics.body().lines().anyMatch(l -> l.startsWith("apisix_http_status{") && l.contains("code=\"200\"")
                    && l.contains("route=\"ip\"") && l.contains("matched_uri=\"/ip\"") && l.endsWith(" 1.0")), metrics.body());
            assertFalse(metrics.body().contains("war-admin-key"));
            HttpResponse<String> ws = http.send(HttpRequest.newBuilder(URI.create(base + "/apisix/admin/routes/ws"))
                    .header("X-API-KEY", "war-admin-key").PUT(HttpRequest.BodyPublishers.ofString(
                            "{\"uri\":\"/ws\",\"enable_websocket\":true,\"upstream\":{\"nodes\":{\"127.0.0.1:"
                                    + upstream.getAddress().getPort() + "\":1}}}")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(201, ws.statusCode(), ws.body());
            java.util.concurrent.CompletionException refused = org.junit.jupiter.api.Assertions.assertThrows(
                    java.util.concurrent.CompletionException.class, () -> http.newWebSocketBuilder().buildAsync(
                            URI.create("ws://127.0.0.1:" + connector.getLocalPort() + "/ws"),
                            new java.net.http.WebSocket.Listener() { }).join());
            assertTrue(refused.getCause() instanceof java.net.http.WebSocketHandshakeException handshake
                    && handshake.getResponse().statusCode() == 501, "a WAR on a stock Jetty cannot tunnel: 501, said so");
        } finally {
            server.stop();
            upstream.stop(0);
        }
    }
}
