package io.github.vaultsni.gateway.hardening;

import io.github.vaultsni.gateway.proxy.RawH2Request;
import io.github.vaultsni.gateway.proxy.TestUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What {@code gateway.jar} writes, as a separate process, when a client misbehaves at will: nothing at WARN for
 * malformed HTTP/2 requests (once ~80 lines each), a few lines, never a key, for a burst of wrong admin keys (once
 * none), and every admin call in the access log, its {@code api_key} masked.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class QuietLogsIT {
    private static final String KEY = "quiet-logs-key";
    @TempDir
    Path dir;
    private Process gateway;
    private TestUpstream upstream;
    private Path log;
    private int adminPort;
    private int httpPort;

    @AfterEach
    void stop() throws Exception {
        if (gateway != null) {
            new ProcessBuilder("kill", "-TERM", String.valueOf(gateway.pid())).start().waitFor();
            if (!gateway.waitFor(20, TimeUnit.SECONDS)) {
                gateway.destroyForcibly();
            }
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    private void start() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        adminPort = freePort();
        httpPort = freePort();
        log = dir.resolve("gateway.log");
        gateway = new ProcessBuilder(java, "-jar", "target/gateway.jar", "--data-dir", dir.resolve("data").toString(),
                "--admin-key", KEY, "--http-port", String.valueOf(httpPort), "--https-port", String.valueOf(freePort()),
                "--admin-port", String.valueOf(adminPort), "--metrics-port", String.valueOf(freePort()))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.readString(log).contains("certificates page on"));
        upstream = new TestUpstream("u");
        HttpResponse<String> route = admin("routes/all", KEY, "PUT",
                "{\"uri\":\"/*\",\"upstream\":{\"nodes\":{\"" + upstream.node() + "\":1}}}").join();
        assertEquals(201, route.statusCode(), route.body());
    }

    private CompletableFuture<HttpResponse<String>> admin(String path, String key, String method, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/apisix/admin/"
                + path)).method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body)).timeout(Duration.ofSeconds(30));
        if (key != null) {
            request.header("X-API-KEY", key);
        }
        return CLIENT.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private List<String> linesAfter(int skip) throws IOException {
        List<String> lines = Files.readAllLines(log);
        return lines.subList(Math.min(skip, lines.size()), lines.size());
    }

    @Test
    void malformedHttp2Requests_logNothingAtWarn() throws Exception {
        start();
        int before = Files.readAllLines(log).size();
        for (int i = 0; i < 20; i++) {
            RawH2Request answer = RawH2Request.h2c(httpPort, List.of(Map.entry(":method", "GET"), Map.entry(":scheme", "http"),
                    Map.entry(":path", "x/a"), Map.entry(":authority", "a.example")));
            assertTrue(answer.refused(), answer::toString);
        }
        RawH2Request ok = RawH2Request.h2c(httpPort, List.of(Map.entry(":method", "GET"), Map.entry(":scheme", "http"),
                Map.entry(":path", "/a"), Map.entry(":authority", "a.example")));
        assertEquals(200, ok.status(), "and the listener still serves");
        await().atMost(Duration.ofSeconds(5)).until(() -> linesAfter(before).stream().anyMatch(l -> l.contains("\"GET /a HTTP/2.0\" 200")));
        List<String> after = linesAfter(before);
        assertEquals(List.of(), after.stream().filter(l -> l.contains(" WARN ") || l.contains(" ERROR ") || l.contains("Exception")).toList());
        assertEquals(1, after.stream().filter(l -> l.contains("HTTP/2.0")).count(),
                "one access log line, for the well-formed request: " + after);
    }

    @Test
    void aBurstOfWrongAdminKeys_isLoggedInAFewLines_neverTheKey_andEachCallIsInTheAccessLog() throws Exception {
        // 300 guesses at once, half in the X-API-KEY header, half as ?api_key=
        start();
        int before = Files.readAllLines(log).size();
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            calls.add(admin("routes", "guess-header-" + i, "GET", null));
            calls.add(admin("routes?api_key=guess-query-" + i, null, "GET", null));
        }
        List<Integer> statuses = new ArrayList<>();
        for (CompletableFuture<HttpResponse<String>> call : calls) {
            statuses.add(call.get(40, TimeUnit.SECONDS).statusCode());
        }
        assertEquals(5, statuses.stream().filter(s -> s == 401).count(), statuses::toString);
        assertEquals(295, statuses.stream().filter(s -> s == 429).count(), "then 429, keys not compared");
        await().atMost(Duration.ofSeconds(5)).until(() -> linesAfter(before).stream().filter(l -> l.contains("/apisix/admin/routes")).count() >= 300);
        List<String> after = linesAfter(before);
        List<String> refusals = after.stream().filter(l -> l.contains("admin API: refused")).toList();
        assertEquals(3, refusals.size(), "the 1st, 10th and 100th of a minute: " + refusals);
        assertTrue(refusals.get(2).contains("(100 refused from it since"), refusals.get(2));
        assertEquals(List.of(), after.stream().filter(l -> l.contains("guess-")).toList(), "no key, anywhere");
        assertTrue(after.stream().anyMatch(l -> l.contains("\"GET /apisix/admin/routes?api_key=*** HTTP/1.1\" 4")), after::toString);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
