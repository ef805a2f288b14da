package io.github.vaultsni.vaulttest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The server as its own process, as the examples start it: given port, given root token, stops on SIGTERM. */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class VaultTestServerMainTest {

    @Test
    void main_servesOnGivenPortWithGivenRootToken_andStopsOnSigterm() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                VaultTestServerMain.class.getName(), "-port", String.valueOf(port), "-root-token", "process-root")
                .redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            String banner = out.readLine();
            assertTrue(banner != null && banner.contains("listening on http://127.0.0.1:" + port), banner);
            assertTrue(out.readLine().startsWith("Unseal Key: "));

            VaultHttp http = new VaultHttp("http://127.0.0.1:" + port);
            assertEquals(200, http.call("GET", "sys/health", null, null).status());
            http.enableKv("process-root", "kv", 1);
            String token = http.createToken("process-root", List.of("default"), null);
            assertEquals(403, http.call("GET", "kv/x", token, null).status());
            http.putSecret("process-root", 1, "kv", "x", Map.of("a", "b"));
            assertEquals("b", http.call("GET", "kv/x", "process-root", null).data().get("a").asText());
        } finally {
            process.destroy();
        }
        assertTrue(process.waitFor(10, TimeUnit.SECONDS), "stops on SIGTERM");
        assertEquals(143, process.exitValue());
    }
}
