package io.github.vaultsni.gateway.accesslog;

import io.github.vaultsni.gateway.Gateway;
import io.github.vaultsni.gateway.TestGatewayConfig;
import io.github.vaultsni.gateway.admin.AdminTestClient;
import io.github.vaultsni.gateway.proxy.TestUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The access log of a running gateway, written to a file, read back field by field against APISIX's default
 * format; credentials in the query, the referer and headers never reach it.
 */
@Timeout(60)
class ApisixAccessLogTest {
    private static final String ADMIN_KEY = "access-log-admin-key";
    private static final String SECRET = "LEAKCHECK-access-log";
    /** APISIX's default format, one group per field. */
    private static final Pattern APISIX_LINE = Pattern.compile("^(\\S+) - (\\S+) \\[([^]]+)] (\\S+) \"([^\"]*)\" (\\d{3}) "
            + "(\\d+) (\\d+\\.\\d{3}) \"([^\"]*)\" \"([^\"]*)\" (\\S+) (\\S+) (\\S+) \"([^\"]*)\"$");
    private static final DateTimeFormatter TIME_LOCAL = DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.US);

    @TempDir
    Path dir;
    private Gateway gateway;
    private TestUpstream upstream;
    private Path log;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void start() throws Exception {
        log = dir.resolve("access.log");
        gateway = Gateway.start(TestGatewayConfig.loopback(dir.resolve("data")).adminKey(ADMIN_KEY).metrics(false)
                .accessLog(AccessLogDestination.file(log)).build());
        upstream = new TestUpstream("logged");
        AdminTestClient.Answer route = new AdminTestClient(gateway.adminPort(), ADMIN_KEY).call("PUT", "routes/logged",
                "{\"uri\":\"/logged/*\",\"upstream\":{\"nodes\":{\"" + upstream.node() + "\":1}}}");
        assertEquals(201, route.status(), route::toString);
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
        upstream.close();
    }

    @Test
    void proxiedRequest_fieldByField_credentialsMasked() throws Exception {
        ZonedDateTime before = ZonedDateTime.now().withNano(0);
        HttpResponse<byte[]> answer = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.httpPort()
                        + "/logged/a?api_key=" + SECRET + "&x=1&api%5Fkey=" + SECRET))
                .header("Referer", "https://user:" + SECRET + "@ref.test/p?api_key=" + SECRET)
                .header("User-Agent", "agent \"quoted\" \\ back").header("Authorization", "Bearer " + SECRET)
                .header("X-API-KEY", SECRET).header("Cookie", "session=" + SECRET).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, answer.statusCode());
        Matcher line = line(0);
        assertEquals("127.0.0.1", line.group(1), "$remote_addr");
        assertEquals("-", line.group(2), "$remote_user");
        ZonedDateTime time = ZonedDateTime.parse(line.group(3), TIME_LOCAL);
        assertFalse(time.isBefore(before) || time.isAfter(ZonedDateTime.now()), "$time_local " + line.group(3));
        assertEquals("127.0.0.1:" + gateway.httpPort(), line.group(4), "$http_host");
        assertEquals("GET /logged/a?api_key=***&x=1&api%5Fkey=*** HTTP/1.1", line.group(5), "$request");
        assertEquals("200", line.group(6), "$status");
        assertEquals(String.valueOf(answer.body().length), line.group(7), "$body_bytes_sent");
        assertTrue(Double.parseDouble(line.group(8)) < 30, "$request_time " + line.group(8));
        assertEquals("https://***@ref.test/p?api_key=***", line.group(9), "$http_referer");
        assertEquals("agent \\x22quoted\\x22 \\x5C back", line.group(10), "$http_user_agent, escaped as nginx does");
        assertEquals(upstream.node(), line.group(11), "$upstream_addr");
        assertEquals("200", line.group(12), "$upstream_status");
        assertTrue(Double.parseDouble(line.group(13)) <= Double.parseDouble(line.group(8)), "$upstream_response_time");
        assertEquals("http://127.0.0.1:" + gateway.httpPort() + "/logged/a?api_key=***&x=1&api%5Fkey=***", line.group(14),
                "$upstream_scheme://$upstream_host$upstream_uri (pass_host: the client's host)");
        assertFalse(Files.readString(log).contains(SECRET), "no credential in the access log");
    }

    @Test
    void unmatchedAndRefusedRequests_haveNoUpstreamFields() throws Exception {
        assertEquals(404, http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.httpPort() + "/none"))
                .header("User-Agent", "probe").build(), HttpResponse.BodyHandlers.discarding()).statusCode());
        Matcher line = line(0);
        assertEquals("GET /none HTTP/1.1", line.group(5));
        assertEquals("404", line.group(6));
        assertEquals(List.of("-", "probe"), List.of(line.group(9), line.group(10)), "no referer: -");
        assertEquals(List.of("-", "-", "-", "://"), List.of(line.group(11), line.group(12), line.group(13), line.group(14)));
    }

    /**
     * An admin call is logged too, as APISIX logs its admin API: the setup's PUT, its key header not shown, its
     * upstream fields empty.
     */
    @Test
    void adminCalls_areLogged_withoutTheirKey() throws Exception {
        List<String> admin = await().atMost(Duration.ofSeconds(10)).until(
                () -> lines().stream().filter(l -> l.contains("/apisix/admin/")).toList(), l -> !l.isEmpty());
        Matcher line = APISIX_LINE.matcher(admin.get(0));
        assertTrue(line.matches(), admin.get(0));
        assertEquals("PUT /apisix/admin/routes/logged HTTP/1.1", line.group(5));
        assertEquals("201", line.group(6));
        assertEquals(List.of("-", "-", "-", "://"), List.of(line.group(11), line.group(12), line.group(13), line.group(14)));
        assertFalse(Files.readString(log).contains(ADMIN_KEY), "no admin key in the access log");
    }

    /** The proxy's line {@code index} in the access log once it is there, matched against APISIX's format. */
    private Matcher line(int index) {
        List<String> lines = await().atMost(Duration.ofSeconds(10)).until(
                () -> lines().stream().filter(l -> !l.contains("/apisix/admin/")).toList(), l -> l.size() > index);
        Matcher line = APISIX_LINE.matcher(lines.get(index));
        assertTrue(line.matches(), () -> "not APISIX's format: " + lines.get(index));
        return line;
    }

    private List<String> lines() throws IOException {
        return Files.exists(log) ? Files.readAllLines(log) : List.of();
    }
}
