package io.github.vaultsni.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.vaultsni.testsupport.TestPki;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Writes acknowledged by a gateway survive kill -9 of its process. */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class GatewayKillTest {
    @TempDir
    Path dir;

    @Test
    void acknowledgedAdminWrites_surviveKillMinus9() throws Exception {
        String key = "kill-test-admin-key";
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                GatewayProcess.class.getName(), dir.resolve("data").toString(), key).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            String line;
            int port = -1;
            while ((line = out.readLine()) != null) {
                if (line.startsWith("READY ")) {
                    port = Integer.parseInt(line.substring(6).trim());
                    break;
                }
            }
            assertTrue(port > 0, "child gateway started");
            TestPki.Issued leaf = TestPki.rootCa("CA", "EC").leaf("EC", "kill.test.com");
            String ssl = new ObjectMapper().createObjectNode().put("sni", "kill.test.com")
                    .put("cert", leaf.certificatePem()).put("key", leaf.privateKeyPem()).toString();
            HttpClient http = HttpClient.newHttpClient();
            for (int i = 0; i < 20; i++) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                                + "/apisix/admin/routes/r" + i)).header("X-API-KEY", key).timeout(Duration.ofSeconds(10))
                        .PUT(HttpRequest.BodyPublishers.ofString("{\"uri\":\"/r" + i + "\",\"upstream\":{\"nodes\":{\"127.0.0.1:80\":1}}}"))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(201, r.statusCode(), r.body());
            }
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/apisix/admin/ssls/kill")).header("X-API-KEY", key).timeout(Duration.ofSeconds(10))
                    .PUT(HttpRequest.BodyPublishers.ofString(ssl)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(201, r.statusCode(), r.body());
        } finally {
            child.destroyForcibly();
            assertTrue(child.waitFor(10, TimeUnit.SECONDS));
        }
        try (Gateway again = Gateway.start(TestGatewayConfig.loopback(dir.resolve("data")).adminKey(key).build())) {
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> list = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + again.adminPort()
                    + "/apisix/admin/routes")).header("X-API-KEY", key).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(20, new ObjectMapper().readTree(list.body()).get("total").asInt(), list.body());
            String state = await("kill entry rebuilt after restart").atMost(Duration.ofSeconds(5))
                    .pollInterval(Duration.ofMillis(10))
                    .until(() -> again.registry().status("kill").map(s -> s.state().name()).orElse(""),
                            name -> !name.isEmpty() && !name.equals("PENDING"));
            assertEquals("ACTIVE", state);
        }
    }
}
