package io.github.vaultsni.gateway.hardening;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.vaultsni.gateway.Gateway;
import io.github.vaultsni.gateway.TestGatewayConfig;
import io.github.vaultsni.gateway.admin.AdminTestClient;
import io.github.vaultsni.gateway.proxy.TestUpstream;
import io.github.vaultsni.testsupport.TestPki;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code gateway.jar} probed as an attacker would: each case asserts the answer, that nothing reached the upstream
 * where nothing should, and that an ordinary client is still served afterwards. (Path normalisation and methods
 * are the forwarding core's, asserted behind both doors in {@code AbstractProxyBehaviourTest}.)
 */
@Timeout(60)
class AdversarialTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "adversarial-admin-key";
    private static final Duration HEADER_TIMEOUT = Duration.ofSeconds(1);

    @TempDir
    Path dir;
    private Gateway gateway;
    private AdminTestClient admin;
    private TestUpstream upstream;
    private TestPki.Issued root;

    @BeforeEach
    void start() throws Exception {
        gateway = Gateway.start(TestGatewayConfig.loopback(dir.resolve("data")).adminKey(KEY)
                .requestHeaderTimeout(HEADER_TIMEOUT).build());
        admin = new AdminTestClient(gateway.adminPort(), KEY);
        upstream = new TestUpstream("u");
        assertEquals(201, admin.call("PUT", "routes/all", "{\"uri\":\"/*\",\"upstream\":{\"nodes\":{\""
                + upstream.node() + "\":1}}}").status());
        root = TestPki.rootCa("ROOTCA", "EC");
        TestPki.Issued leaf = root.leaf("EC", "secure.test");
        assertEquals(201, admin.call("PUT", "ssls/secure", JSON.createObjectNode().put("sni", "secure.test")
                .put("cert", leaf.certificatePem()).put("key", leaf.privateKeyPem()).toString()).status());
        await().atMost(Duration.ofSeconds(5)).until(() -> "ACTIVE".equals(
                admin.call("GET", "ssls/secure/status", null).json().path("state").asText()));
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
        upstream.close();
    }

    private String raw(String request) throws IOException {
        return RawHttp.exchange(gateway.httpPort(), request);
    }

    /** An ordinary request still gets through. */
    private void stillServed() throws IOException {
        String ok = raw("GET /ok HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        assertEquals(200, RawHttp.status(ok), ok);
    }

    @ParameterizedTest
    @ValueSource(strings = {"CONNECT 127.0.0.1:22 HTTP/1.1", "TRACE / HTTP/1.1", "TRACE /anything HTTP/1.1"})
    void connectAndTrace_are405_andNeverReachTheUpstream(String requestLine) throws Exception {
        String answer = raw(requestLine + "\r\nHost: a\r\nConnection: close\r\n\r\n");
        assertEquals(405, RawHttp.status(answer), answer);
        assertEquals("{\"error_msg\":\"405 Not Allowed\"}", RawHttp.body(answer));
        assertEquals(0, upstream.served.get());
        stillServed();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            // CL + TE (RFC 9112 §6.3: a request smuggling vector)
            "POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            // two different Content-Lengths
            "POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nabcde",
            // obs-fold (RFC 9112 §5.2)
            "GET /a HTTP/1.1\r\nHost: a\r\nX-Folded: one\r\n two\r\n\r\n",
            // a bad chunk size
            "POST /a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
            // a malformed escape and a NUL in the path
            "GET /a%zz HTTP/1.1\r\nHost: a\r\n\r\n",
            "GET /a%00b HTTP/1.1\r\nHost: a\r\n\r\n",
            // encoded dot segments and separators, ambiguous: refused rather than guessed at
            "GET /x/%2e%2e/h HTTP/1.1\r\nHost: a\r\n\r\n",
            "GET /x%2f..%2fh HTTP/1.1\r\nHost: a\r\n\r\n",
            // above the root
            "GET /../etc/passwd HTTP/1.1\r\nHost: a\r\n\r\n",
            // junk between a chunk's data and its CRLF (nginx: 400; once passed on as "helworld")
            "POST /a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhelAAAA\r\n5\r\nworld\r\n0\r\n\r\n",
            "POST /a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhel\n5\r\nworld\r\n0\r\n\r\n",
            // methods outside RFC 9110's token grammar
            "G\u00c9T /a HTTP/1.1\r\nHost: a\r\n\r\n",
            "GE(T /a HTTP/1.1\r\nHost: a\r\n\r\n",
            // lower case: a token, but no method nginx takes (and "trace" would slip past a case-sensitive TRACE rule)
            "trace /a HTTP/1.1\r\nHost: a\r\n\r\n",
            // a NUL or a CR in a header value
            "GET /a HTTP/1.1\r\nHost: a\r\nX-A: b\u0000c\r\n\r\n",
            "GET /a HTTP/1.1\r\nHost: a\r\nX-A: b\rc\r\n\r\n"})
    void smugglingAndAmbiguousRequests_are400Json_andNothingIsProxied(String request) throws Exception {
        String answer = raw(request);
        assertEquals(400, RawHttp.status(answer), answer);
        assertTrue(RawHttp.body(answer).startsWith("{\"error_msg\":\"400 "), answer);
        assertFalse(answer.contains("Jetty") || answer.contains("Exception") || answer.contains("<html"), answer);
        assertEquals(0, upstream.served.get(), "nothing reached the upstream");
        stillServed();
    }

    @Test
    void absoluteFormRequests_goToTheRoutesUpstream_neverToTheNamedHost() throws Exception {
        String answer = raw("GET http://evil.example:1/x HTTP/1.1\r\nHost: evil.example:1\r\nConnection: close\r\n\r\n");
        assertEquals(200, RawHttp.status(answer), answer);
        assertTrue(RawHttp.body(answer).contains("\"upstream\":\"u\"") && RawHttp.body(answer).contains("\"path\":\"/x\""), answer);
    }

    @Test
    void headers_atTheSizeLimitPass_pastItAre431_andNeverReachTheUpstream() throws Exception {
        String near = "X-Big: " + "a".repeat(15 * 1024) + "\r\n";
        String atLimit = raw("GET /big HTTP/1.1\r\nHost: a\r\n" + near + "Connection: close\r\n\r\n");
        assertEquals(200, RawHttp.status(atLimit), atLimit.substring(0, Math.min(200, atLimit.length())));
        String past = raw("GET /big HTTP/1.1\r\nHost: a\r\nX-Big: " + "a".repeat(17 * 1024) + "\r\nConnection: close\r\n\r\n");
        assertEquals(431, RawHttp.status(past), past);
        assertTrue(RawHttp.body(past).startsWith("{\"error_msg\":\"431 "), past);
        assertEquals(1, upstream.served.get(), "only the request at the limit");
    }

    @Test
    void headerCount_atTheLimitPasses_pastItIs431() throws Exception {
        StringBuilder hundred = new StringBuilder();
        for (int i = 0; i < 98; i++) { // + Host + Connection
            hundred.append("X-H").append(i).append(": v\r\n");
        }
        String at = raw("GET /n HTTP/1.1\r\nHost: a\r\n" + hundred + "Connection: close\r\n\r\n");
        assertEquals(200, RawHttp.status(at), at);
        String past = raw("GET /n HTTP/1.1\r\nHost: a\r\n" + hundred + "X-One-More: v\r\nConnection: close\r\n\r\n");
        assertEquals(431, RawHttp.status(past), past);
        assertEquals(1, upstream.served.get());
    }

    @Test
    void slowHeaders_areCutAtTheHeaderTimeout_whileOthersAreServed() throws Exception {
        try (Socket slow = new Socket("127.0.0.1", gateway.httpPort())) {
            slow.setSoTimeout(100);
            OutputStream out = slow.getOutputStream();
            InputStream in = slow.getInputStream();
            out.write("GET /slow HTTP/1.1\r\nHost: a\r\n".getBytes(StandardCharsets.US_ASCII));
            long start = System.nanoTime();
            boolean closed = false;
            // Not a wait: the attack itself, a header byte every 100 ms until the gateway cuts the connection.
            while (!closed && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10)) {
                stillServed();
                try {
                    out.write('X'); // a byte every 100 ms or so: the idle timeout never fires
                    out.flush();
                    closed = in.read() < 0;
                } catch (SocketTimeoutException stillOpen) {
                    // the header is still being read
                } catch (IOException reset) {
                    closed = true;
                }
            }
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(closed, "closed at the header timeout");
            assertTrue(millis >= HEADER_TIMEOUT.toMillis() && millis <= HEADER_TIMEOUT.toMillis() + 2000, millis + " ms");
        }
        // A client whose headers arrive within the timeout, slowly, is served.
        try (Socket patient = new Socket("127.0.0.1", gateway.httpPort())) {
            patient.setSoTimeout(5000);
            for (String part : List.of("GET /patient HTTP/1.1\r\n", "Host: a\r\n", "Connection: close\r\n", "\r\n")) {
                patient.getOutputStream().write(part.getBytes(StandardCharsets.US_ASCII));
                Thread.sleep(150); // not a wait: the headers arrive slowly, within the timeout
            }
            assertEquals(200, RawHttp.status(RawHttp.readUntilQuiet(patient.getInputStream())));
        }
        assertEquals(0, upstream.received.stream().filter(e -> e.path("path").asText().equals("/slow")).count());
    }

    @Test
    void adminQueryWithAMalformedEscape_is400Json_withOrWithoutAKey() throws Exception {
        for (String key : new String[]{"", "&api_key=" + KEY}) {
            String answer = RawHttp.exchange(gateway.adminPort(),
                    "GET /apisix/admin/routes?x=%zz" + key + " HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
            assertTrue(RawHttp.status(answer) == 400, answer);
            assertTrue(RawHttp.body(answer).startsWith("{\"error_msg\":\""), answer);
            assertFalse(answer.contains("Jetty") || answer.contains("Exception") || answer.contains("<html"), answer);
        }
    }

    @Test
    void adminBody_atTheDepthLimitIsJudgedOnItsMerits_pastItIs400_andListingStaysWhole() throws Exception {
        assertEquals(400, admin.call("PUT", "routes/deep", "{\"uri\":\"/d\",\"labels\":" + nested(999)
                + ",\"upstream\":{\"nodes\":{\"" + upstream.node() + "\":1}}}").status());
        AdminTestClient.Answer past = admin.call("PUT", "routes/deep", "{\"uri\":\"/d\",\"labels\":" + nested(40) + "}");
        assertEquals(400, past.status());
        assertEquals("invalid request body: nested deeper than 32 levels", past.json().get("error_msg").asText());
        assertEquals(404, admin.call("GET", "routes/deep", null).status(), "nothing stored");
        assertEquals(200, admin.call("GET", "routes", null).status());
    }

    /**
     * Admin bodies the second probe found accepted: each 400, nothing stored, and the objects already there still
     * PATCH (a stored "Infinity" once failed every later PATCH).
     */
    @ParameterizedTest
    @ValueSource(strings = {
            "routes/bad|{\"uri\":\"/d\",\"priority\":1e999,\"upstream\":{\"nodes\":{\"NODE\":1}}}",
            "routes/bad|{\"uri\":\"/d\",\"upstream\":{\"nodes\":{\"NODE\":1}}} garbage",
            "routes/bad|{\"uri\":\"/d\",\"upstream\":{\"nodes\":{\"NODE\":1}}}{\"uri\":\"/e\"}",
            "routes/bad|{\"uri\":\"/d\\u0000x\",\"upstream\":{\"nodes\":{\"NODE\":1}}}",
            "routes/bad|{\"uri\":\"/d\",\"upstream\":{\"nodes\":{\"NODE\":9223372036854775807,\"127.0.0.1:9\":1}}}",
            "upstreams/bad|{\"nodes\":{\"a\\r\\nX-Injected: 1:80\":1}}",
            "ssls/bad|{\"sni\":\"*.a.test\",\"issuer\":{\"vault_pki\":{\"secret_id\":\"v\",\"role\":\"../../kv/apisix/pwned\"}}}",
            "ssls/bad|{\"sni\":\"*.a.test\",\"issuer\":{\"vault_pki\":{\"secret_id\":\"v\",\"role\":\"r\",\"mount\":\"pki?x=\"}}}",
            "ssls/bad|{\"sni\":\"*.a.test\",\"issuer\":{\"vault_pki\":{\"secret_id\":\"v\",\"role\":\"r\",\"names_per_minute\":1000000}}}",
            "ssls/bad|{\"sni\":\"*.a.test\",\"issuer\":{\"vault_pki\":{\"secret_id\":\"v\",\"role\":\"r\",\"on_demand_wait\":\"600s\"}}}"})
    void adminBodiesOnceAccepted_are400_andNothingIsStored(String pathAndBody) throws Exception {
        String path = pathAndBody.substring(0, pathAndBody.indexOf('|'));
        String body = pathAndBody.substring(pathAndBody.indexOf('|') + 1).replace("NODE", upstream.node());
        AdminTestClient.Answer answer = admin.call("PUT", path, body);
        assertEquals(400, answer.status(), String.valueOf(answer.json()));
        assertTrue(answer.json().path("error_msg").asText().length() > 10, String.valueOf(answer.json()));
        assertEquals(404, admin.call("GET", path, null).status(), "nothing stored");
        assertEquals(200, admin.call("PATCH", "routes/all", "{\"desc\":\"still patched\"}").status());
        stillServed();
    }

    private static String nested(int depth) {
        return "{\"a\":".repeat(depth) + "1" + "}".repeat(depth);
    }

    /**
     * A burst of wrong keys from one client: the first five a minute are 401; after them the client is answered 429
     * with Retry-After, its key not even compared (the right one included: guessing on in parallel learns nothing),
     * until its minute is over; another client is served meanwhile.
     */
    @Test
    void wrongAdminKeysInABurst_are401_thenTheClientIs429_whateverItsKey() throws Exception {
        for (int i = 0; i < 5; i++) {
            assertEquals(401, admin.call("GET", "routes", null, "wrong-" + i, "X-API-KEY").status());
        }
        AdminTestClient.Answer blocked = admin.call("GET", "routes", null, "wrong-5", "X-API-KEY");
        assertEquals(429, blocked.status());
        assertTrue(blocked.json().path("error_msg").asText().startsWith("too many refused admin calls from this client"),
                blocked::toString);
        java.net.http.HttpResponse<String> right = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest
                .newBuilder(java.net.URI.create("http://127.0.0.1:" + gateway.adminPort() + "/apisix/admin/routes"))
                .header("X-API-KEY", KEY).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(429, right.statusCode(), "the right key from the blocked client is not compared either");
        long retryAfter = Long.parseLong(right.headers().firstValue("Retry-After").orElseThrow());
        assertTrue(retryAfter >= 1 && retryAfter <= 60, "Retry-After " + retryAfter);
        try (Socket other = new Socket(java.net.InetAddress.getByName("127.0.0.1"), gateway.adminPort(),
                java.net.InetAddress.getByName("127.0.0.2"), 0)) {
            other.setSoTimeout(5000);
            other.getOutputStream().write(("GET /apisix/admin/routes HTTP/1.1\r\nHost: a\r\nX-API-KEY: " + KEY
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String answer = RawHttp.readUntilQuiet(other.getInputStream());
            assertEquals(200, RawHttp.status(answer), "another client is served meanwhile: " + answer);
        }
        stillServed();
    }

    @Test
    void tls12CbcSuites_areRefused_asApisix_andItsGcmSuitesServed() throws Exception {
        assertThrows(SSLHandshakeException.class, () -> handshake("TLSv1.2", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384"));
        assertThrows(SSLHandshakeException.class, () -> handshake("TLSv1.2", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"));
        assertEquals("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", handshake("TLSv1.2", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"));
        assertEquals("TLS_AES_256_GCM_SHA384", handshake("TLSv1.3", "TLS_AES_256_GCM_SHA384"));
    }

    /** A handshake offering only {@code protocol} and {@code suite}; the suite agreed on. */
    private String handshake(String protocol, String suite) throws Exception {
        SSLContext context = TestPki.clientContext(root, null);
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", gateway.httpsPort())) {
            socket.setSoTimeout(5000);
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setServerNames(List.of(new SNIHostName("secure.test")));
            parameters.setProtocols(new String[]{protocol});
            parameters.setCipherSuites(new String[]{suite});
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            return socket.getSession().getCipherSuite();
        }
    }

    @Test
    void halfOpenTlsSockets_doNotStopOthersBeingServed() throws Exception {
        List<Socket> halfOpen = new ArrayList<>();
        try {
            for (int i = 0; i < 200; i++) {
                Socket s = new Socket("127.0.0.1", gateway.httpsPort());
                s.getOutputStream().write(new byte[]{0x16, 0x03, 0x01, 0x02, 0x00}); // a ClientHello that never comes
                halfOpen.add(s);
            }
            assertEquals("TLS_AES_256_GCM_SHA384", handshake("TLSv1.3", "TLS_AES_256_GCM_SHA384"));
            stillServed();
        } finally {
            for (Socket s : halfOpen) {
                s.close();
            }
        }
    }

    @Test
    void anOversizedSni_isRefusedInTheHandshake_andOthersServed() throws Exception {
        String label = "a".repeat(63);
        String huge = String.join(".", label, label, label, label.substring(0, 61)); // 253 characters, no such name
        SSLContext context = TestPki.clientContext(root, null);
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", gateway.httpsPort())) {
            socket.setSoTimeout(5000);
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setServerNames(List.of(new SNIHostName(huge)));
            socket.setSSLParameters(parameters);
            assertThrows(SSLHandshakeException.class, socket::startHandshake);
        }
        assertEquals("TLS_AES_256_GCM_SHA384", handshake("TLSv1.3", "TLS_AES_256_GCM_SHA384"));
    }

    @Test
    void http2RapidReset_isCutOff_andOthersAreServed() throws Exception {
        RawH2.Answer answer;
        try (RawH2 h2 = new RawH2(gateway.httpPort())) {
            byte[] get = RawH2.get("/reset");
            try {
                for (int i = 0; i < 2000; i++) {
                    int stream = 2 * i + 1;
                    h2.frame(RawH2.HEADERS, RawH2.END_STREAM | RawH2.END_HEADERS, stream, get);
                    h2.rstStream(stream, 0x8); // CANCEL
                }
                h2.flush();
            } catch (IOException closedEarly) {
                // the server hung up mid-flood
            }
            answer = h2.read();
        }
        assertTrue(answer.closed() || answer.has(RawH2.GOAWAY), "the flooding connection is ended");
        assertTrue(upstream.served.get() < 2000, "most streams never reached the upstream: " + upstream.served.get());
        stillServed();
    }

    @Test
    void http2ContinuationFlood_isCutOff_withoutReachingTheUpstream() throws Exception {
        RawH2.Answer answer;
        try (RawH2 h2 = new RawH2(gateway.httpPort())) {
            h2.frame(RawH2.HEADERS, RawH2.END_STREAM, 1, RawH2.get("/flood")); // no END_HEADERS: more to come
            byte[] more = RawH2.literal("x-flood", "a".repeat(1000));
            try {
                for (int i = 0; i < 1000; i++) {
                    h2.frame(RawH2.CONTINUATION, 0, 1, more);
                }
                h2.flush();
            } catch (IOException closedEarly) {
                // the server hung up mid-flood
            }
            answer = h2.read();
        }
        assertTrue(answer.closed() || answer.has(RawH2.GOAWAY), "the flooding connection is ended");
        assertEquals(0, upstream.served.get());
        stillServed();
    }

    @Test
    void http2Streams_atTheLimitAreServed_onePastItRefused() throws Exception {
        List<Integer> refused = new ArrayList<>();
        try (RawH2 h2 = new RawH2(gateway.httpPort())) {
            for (int i = 0; i <= 128; i++) { // 128 concurrent streams are allowed; this opens 129
                h2.frame(RawH2.HEADERS, RawH2.END_STREAM | RawH2.END_HEADERS, 2 * i + 1, RawH2.get("/slow?sleep=1500"));
            }
            h2.flush();
            for (RawH2.Frame frame : h2.read().frames()) {
                if (frame.type() == RawH2.RST_STREAM) {
                    refused.add(frame.streamId());
                    assertEquals(RawH2.REFUSED_STREAM, frame.errorCode());
                }
            }
        }
        assertEquals(List.of(257), refused, "only the 129th stream is refused");
        await().atMost(Duration.ofSeconds(10)).until(() -> upstream.served.get() == 128);
    }

    @Test
    void http2Headers_atTheSizeLimitPass_pastItAreRefused_beforeTheUpstream() throws Exception {
        assertTrue(http2Get(15 * 1024).frames().stream().anyMatch(f -> f.type() == RawH2.HEADERS && f.streamId() == 1),
                "a response to the request at the limit");
        await().atMost(Duration.ofSeconds(5)).until(() -> upstream.served.get() == 1);
        RawH2.Answer past = http2Get(17 * 1024);
        boolean refused = past.closed() || past.has(RawH2.GOAWAY) || past.has(RawH2.RST_STREAM)
                || past.frames().stream().anyMatch(f -> f.type() == RawH2.HEADERS && f.streamId() == 1);
        assertTrue(refused, "answered without the upstream: " + past);
        assertEquals(1, upstream.served.get(), "the request past the limit never reached the upstream");
        stillServed();
    }

    /** One HTTP/2 GET with an {@code x-big} header of {@code size} bytes, split over HEADERS and CONTINUATION. */
    private RawH2.Answer http2Get(int size) throws IOException {
        try (RawH2 h2 = new RawH2(gateway.httpPort())) {
            ByteArrayOutputStream block = new ByteArrayOutputStream();
            block.writeBytes(RawH2.get("/h2big"));
            block.writeBytes(RawH2.literal("x-big", "a".repeat(size)));
            byte[] bytes = block.toByteArray();
            int first = Math.min(bytes.length, 16_000);
            h2.frame(RawH2.HEADERS, RawH2.END_STREAM, 1, Arrays.copyOf(bytes, first));
            h2.frame(RawH2.CONTINUATION, RawH2.END_HEADERS, 1, Arrays.copyOfRange(bytes, first, bytes.length));
            h2.flush();
            return h2.read();
        }
    }

    @Test
    void everyResponse_saysTheGateway_notJettyAndItsVersion() throws Exception {
        for (String answer : List.of(raw("GET /ok HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"),
                raw("TRACE / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"),
                raw("GET /a%zz HTTP/1.1\r\nHost: a\r\n\r\n"),
                RawHttp.exchange(gateway.adminPort(), "GET /apisix/admin/routes HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"),
                RawHttp.exchange(gateway.adminPort(), "GET /elsewhere HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"))) {
            List<String> servers = answer.lines().filter(l -> l.regionMatches(true, 0, "Server:", 0, 7)).toList();
            assertEquals(List.of("Server: vault-sni-gateway"), servers, answer);
            assertFalse(answer.contains("Jetty"), answer);
        }
    }
}
