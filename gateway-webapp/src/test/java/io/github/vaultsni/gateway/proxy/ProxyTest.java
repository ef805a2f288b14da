package io.github.vaultsni.gateway.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.vaultsni.gateway.Gateway;
import io.github.vaultsni.gateway.GatewayConfig;
import io.github.vaultsni.gateway.LoopbackHttpsClient;
import io.github.vaultsni.gateway.admin.AdminTestClient;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.transport.HttpClientTransportDynamic;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.ClientConnectionFactoryOverHTTP2;
import org.eclipse.jetty.io.ClientConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Routing and proxying through a running gateway to local upstreams, with HTTP/1.1 and h2c clients. */
class ProxyTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "proxy-test-admin-key";

    @TempDir
    Path dir;
    private Gateway gateway;
    private AdminTestClient admin;
    private HttpClient http;
    private final List<TestUpstream> upstreams = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        gateway = Gateway.start(GatewayConfig.builder().dataDir(dir.resolve("data")).adminKey(KEY).adminPort(0)
                .httpHost("127.0.0.1").httpPort(0).httpsHost("127.0.0.1").httpsPort(0).build());
        admin = new AdminTestClient(gateway.adminPort(), KEY);
        http = new HttpClient();
        http.setMaxConnectionsPerDestination(64);
        http.start();
    }

    @AfterEach
    void stop() throws Exception {
        http.stop();
        gateway.close();
        for (TestUpstream u : upstreams) {
            u.close();
        }
    }

    private TestUpstream upstream(String name) throws Exception {
        TestUpstream u = new TestUpstream(name);
        upstreams.add(u);
        return u;
    }

    private void put(String path, String body) {
        put(admin, path, body);
    }

    private static void put(AdminTestClient admin, String path, String body) {
        AdminTestClient.Answer a = admin.call("PUT", path, body);
        assertTrue(a.status() == 200 || a.status() == 201, a::toString);
    }

    private ContentResponse get(String path, String host) throws Exception {
        var request = http.newRequest("http://127.0.0.1:" + gateway.httpPort() + path).timeout(10, TimeUnit.SECONDS);
        if (host != null) {
            request.headers(h -> h.put("Host", host));
        }
        return request.send();
    }

    private JsonNode json(ContentResponse response) throws Exception {
        return JSON.readTree(response.getContentAsString());
    }

    @Test
    void walkThroughRoute_proxiesToTheUpstream_withForwardingHeaders() throws Exception {
        TestUpstream httpbin = upstream("httpbin");
        put("routes", "{\"id\":\"quickstart-client-ip\",\"uri\":\"/ip\",\"upstream\":{\"nodes\":{\"" + httpbin.node()
                + "\":1},\"type\":\"roundrobin\"}}");
        ContentResponse response = http.newRequest("http://127.0.0.1:" + gateway.httpPort() + "/ip")
                .headers(h -> h.put("Connection", "X-Custom").put("X-Custom", "hop").put("X-Forwarded-For", "10.0.0.9"))
                .timeout(10, TimeUnit.SECONDS).send();
        assertEquals(200, response.getStatus(), response.getContentAsString());
        JsonNode body = json(response);
        assertEquals("httpbin", body.get("upstream").asText());
        assertEquals("/ip", body.get("path").asText());
        assertEquals("127.0.0.1:" + gateway.httpPort(), body.get("host").asText(), "pass_host: pass keeps the client's Host");
        assertEquals("10.0.0.9, 127.0.0.1", body.get("x_forwarded_for").asText());
        assertEquals("127.0.0.1", body.get("x_real_ip").asText());
        assertEquals("http", body.get("x_forwarded_proto").asText());
        assertEquals("null", body.get("x_custom").asText(), "headers named by Connection are hop-by-hop");
        assertTrue(body.get("forwarded").asText().contains("for=\"127.0.0.1\""), body.toString());
        assertEquals(1, response.getHeaders().getValuesList("Date").size(), "one Date header");
    }

    @Test
    void noRoute_is404Json() throws Exception {
        ContentResponse response = get("/nothing", null);
        assertEquals(404, response.getStatus());
        assertEquals("{\"error_msg\":\"404 Route Not Found\"}", response.getContentAsString());
    }

    @Test
    void precedence_exactThenLongestPrefixThenPriority_hostsAndMethods() throws Exception {
        TestUpstream a = upstream("a");
        TestUpstream b = upstream("b");
        TestUpstream c = upstream("c");
        TestUpstream d = upstream("d");
        put("routes/prefix", "{\"uri\":\"/api/*\",\"upstream\":{\"nodes\":{\"" + a.node() + "\":1}}}");
        put("routes/longer", "{\"uri\":\"/api/v2/*\",\"upstream\":{\"nodes\":{\"" + b.node() + "\":1}}}");
        put("routes/exact", "{\"uri\":\"/api/v2/users\",\"upstream\":{\"nodes\":{\"" + c.node() + "\":1}}}");
        put("routes/priority", "{\"uri\":\"/api/*\",\"priority\":10,\"methods\":[\"POST\"],\"upstream\":{\"nodes\":{\"" + d.node() + "\":1}}}");
        put("routes/host", "{\"uri\":\"/api/*\",\"hosts\":[\"*.example.com\"],\"upstream\":{\"nodes\":{\"" + d.node() + "\":1}}}");
        assertEquals("c", json(get("/api/v2/users", null)).get("upstream").asText());
        assertEquals("b", json(get("/api/v2/other", null)).get("upstream").asText());
        assertEquals("a", json(get("/api/v1", null)).get("upstream").asText());
        assertEquals("d", json(get("/api/v1", "www.example.com")).get("upstream").asText());
        ContentResponse post = http.newRequest("http://127.0.0.1:" + gateway.httpPort() + "/api/v1").method("POST")
                .timeout(10, TimeUnit.SECONDS).send();
        assertEquals("d", json(post).get("upstream").asText());
        assertEquals(404, get("/ap", null).getStatus());
    }

    @Test
    void weights_areHonouredWithin5Percent_over10000Requests() throws Exception {
        TestUpstream heavy = upstream("heavy");
        TestUpstream light = upstream("light");
        put("routes/w", "{\"uri\":\"/w\",\"upstream\":{\"nodes\":{\"" + heavy.node() + "\":3,\"" + light.node() + "\":1}}}");
        for (int i = 0; i < 10_000; i++) {
            assertEquals(200, get("/w", null).getStatus());
        }
        double heavyShare = heavy.served.get() / 10_000.0;
        assertEquals(0.75, heavyShare, 0.75 * 0.05, "heavy served " + heavy.served.get());
        assertEquals(10_000, heavy.served.get() + light.served.get());
    }

    @Test
    void chash_onHeader_keepsAKeyOnOneNode_andSpreadsKeys() throws Exception {
        TestUpstream a = upstream("a");
        TestUpstream b = upstream("b");
        put("routes/c", "{\"uri\":\"/c\",\"upstream\":{\"type\":\"chash\",\"hash_on\":\"header\",\"key\":\"X-User\","
                + "\"nodes\":{\"" + a.node() + "\":1,\"" + b.node() + "\":1}}}");
        java.util.Map<String, String> placement = new java.util.HashMap<>();
        for (int user = 0; user < 40; user++) {
            for (int repeat = 0; repeat < 3; repeat++) {
                String who = "user-" + user;
                ContentResponse r = http.newRequest("http://127.0.0.1:" + gateway.httpPort() + "/c")
                        .headers(h -> h.put("X-User", who)).timeout(10, TimeUnit.SECONDS).send();
                String node = json(r).get("upstream").asText();
                assertEquals(placement.computeIfAbsent(who, k -> node), node, who + " moved");
            }
        }
        assertTrue(placement.containsValue("a") && placement.containsValue("b"), placement.toString());
    }

    @Test
    void deadNode_isRetriedOnTheNext_andAllDeadIs502() throws Exception {
        TestUpstream alive = upstream("alive");
        int dead;
        try (ServerSocket s = new ServerSocket(0)) {
            dead = s.getLocalPort();
        }
        put("routes/f", "{\"uri\":\"/f\",\"upstream\":{\"nodes\":{\"127.0.0.1:" + dead + "\":1,\"" + alive.node()
                + "\":1},\"retries\":1}}");
        for (int i = 0; i < 20; i++) {
            ContentResponse r = get("/f", null);
            assertEquals(200, r.getStatus(), r.getContentAsString());
            assertEquals("alive", json(r).get("upstream").asText());
        }
        put("routes/f", "{\"uri\":\"/f\",\"upstream\":{\"nodes\":{\"127.0.0.1:" + dead + "\":1},\"retries\":2}}");
        ContentResponse failed = get("/f", null);
        assertEquals(502, failed.getStatus());
        assertEquals("{\"error_msg\":\"502 Bad Gateway\"}", failed.getContentAsString());
    }

    @Test
    void slowUpstream_is504Json() throws Exception {
        TestUpstream slow = upstream("slow");
        put("routes/s", "{\"uri\":\"/s\",\"upstream\":{\"nodes\":{\"" + slow.node() + "\":1},"
                + "\"timeout\":{\"connect\":1,\"send\":1,\"read\":0.3}}}");
        ContentResponse response = get("/s?sleep=2000", null);
        assertEquals(504, response.getStatus());
        assertEquals("{\"error_msg\":\"504 Gateway Timeout\"}", response.getContentAsString());
    }

    @Test
    void passHost_nodeAndRewrite() throws Exception {
        TestUpstream u = upstream("u");
        put("routes/n", "{\"uri\":\"/n\",\"upstream\":{\"pass_host\":\"node\",\"nodes\":{\"" + u.node() + "\":1}}}");
        put("routes/r", "{\"uri\":\"/r\",\"upstream\":{\"pass_host\":\"rewrite\",\"upstream_host\":\"internal.example\","
                + "\"nodes\":{\"" + u.node() + "\":1}}}");
        assertEquals(u.node(), json(get("/n", "public.example")).get("host").asText());
        assertEquals("internal.example", json(get("/r", "public.example")).get("host").asText());
    }

    @Test
    void h2cClient_isProxied() throws Exception {
        TestUpstream u = upstream("u");
        put("routes/h", "{\"uri\":\"/h\",\"upstream\":{\"nodes\":{\"" + u.node() + "\":1}}}");
        ClientConnector connector = new ClientConnector();
        HttpClient h2c = new HttpClient(new HttpClientTransportDynamic(connector,
                new ClientConnectionFactoryOverHTTP2.HTTP2(new HTTP2Client(connector))));
        h2c.start();
        try {
            ContentResponse response = h2c.newRequest("http://127.0.0.1:" + gateway.httpPort() + "/h")
                    .version(HttpVersion.HTTP_2).timeout(10, TimeUnit.SECONDS).send();
            assertEquals(200, response.getStatus());
            assertEquals(HttpVersion.HTTP_2, response.getVersion());
            assertEquals("u", json(response).get("upstream").asText());
        } finally {
            h2c.stop();
        }
    }

    @Test
    void https_h2AndHttp11_withSni_areProxied() throws Exception {
        assertHttpsProxied(gateway, admin);
    }

    @Test
    void https_withConscryptServingTls_isProxiedAlike() throws Exception {
        try (Gateway conscrypt = Gateway.start(GatewayConfig.builder().dataDir(dir.resolve("conscrypt")).adminKey(KEY)
                .adminPort(0).httpHost("127.0.0.1").httpPort(0).httpsHost("127.0.0.1").httpsPort(0)
                .tlsProvider(io.github.vaultsni.tls.TlsProvider.CONSCRYPT).build())) {
            assertEquals(io.github.vaultsni.tls.TlsProvider.CONSCRYPT, conscrypt.tlsProvider());
            assertHttpsProxied(conscrypt, new AdminTestClient(conscrypt.adminPort(), KEY));
        }
    }

    private void assertHttpsProxied(Gateway gateway, AdminTestClient admin) throws Exception {
        io.github.vaultsni.vaulttest.TestPki.Issued root = io.github.vaultsni.vaulttest.TestPki.rootCa("ROOTCA", "EC");
        io.github.vaultsni.vaulttest.TestPki.Issued leaf = root.leaf("EC", "secure.test.com");
        TestUpstream u = upstream("u");
        put(admin, "ssls/secure", JSON.createObjectNode().put("sni", "secure.test.com").put("cert", leaf.certificatePem())
                .put("key", leaf.privateKeyPem()).toString());
        put(admin, "routes/ip", "{\"uri\":\"/ip\",\"upstream\":{\"nodes\":{\"" + u.node() + "\":1}}}");
        HttpClient https = LoopbackHttpsClient.trusting(root.certificate());
        https.start();
        try {
            String url = "https://secure.test.com:" + gateway.httpsPort() + "/ip";
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            ContentResponse h2 = null;
            while (h2 == null) {
                try {
                    h2 = https.newRequest(url).version(HttpVersion.HTTP_2).timeout(10, TimeUnit.SECONDS).send();
                } catch (java.util.concurrent.ExecutionException notServedYet) {
                    assertTrue(System.nanoTime() < deadline, "served within 5 s: " + notServedYet);
                    Thread.sleep(20);
                }
            }
            assertEquals(200, h2.getStatus(), h2.getContentAsString());
            assertEquals(HttpVersion.HTTP_2, h2.getVersion());
            assertEquals("https", json(h2).get("x_forwarded_proto").asText());
            ContentResponse h1 = https.newRequest(url).version(HttpVersion.HTTP_1_1).timeout(10, TimeUnit.SECONDS).send();
            assertEquals(200, h1.getStatus());
            assertEquals(HttpVersion.HTTP_1_1, h1.getVersion());
        } finally {
            https.stop();
        }
    }

    @Test
    void routeChangedUnderLoad_failsNoRequest() throws Exception {
        TestUpstream a = upstream("a");
        TestUpstream b = upstream("b");
        put("routes/live", "{\"uri\":\"/live\",\"upstream\":{\"nodes\":{\"" + a.node() + "\":1}}}");
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger ok = new AtomicInteger();
        List<String> failures = new CopyOnWriteArrayList<>();
        List<Thread> clients = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            Thread client = new Thread(() -> {
                while (running.get()) {
                    try {
                        ContentResponse r = get("/live", null);
                        if (r.getStatus() == 200) {
                            ok.incrementAndGet();
                        } else {
                            failures.add(r.getStatus() + " " + r.getContentAsString());
                        }
                    } catch (Exception e) {
                        failures.add(e.toString());
                    }
                }
            });
            client.start();
            clients.add(client);
        }
        for (int i = 0; i < 30; i++) {
            TestUpstream next = i % 2 == 0 ? b : a;
            put("routes/live", "{\"uri\":\"/live\",\"upstream\":{\"nodes\":{\"" + next.node() + "\":1}}}");
            Thread.sleep(30);
        }
        running.set(false);
        for (Thread client : clients) {
            client.join(20_000);
        }
        assertEquals(List.of(), failures);
        assertTrue(a.served.get() > 0 && b.served.get() > 0);
        assertTrue(ok.get() > 100, ok.get() + " requests");
    }
}
