package io.github.vaultsni.gateway;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged {@code gateway.jar} as users run it: its listener lines (timestamped, with the thread), its
 * Prometheus endpoint, and a clean stop on SIGTERM; and
 * {@code examples/quickstart.sh}, the walk-through end to end against the jar as a separate process.
 */
@Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class GatewayJarIT {
    private static final Path PROJECT = Path.of("").toAbsolutePath().getParent();
    @TempDir
    Path dir;

    @Test
    void jar_logsOneLinePerListener_andStopsCleanlyOnSigterm() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        int metricsPort = freePort();
        Process gateway = new ProcessBuilder(java, "-jar", "target/gateway.jar", "--data-dir", dir.resolve("data").toString(),
                "--admin-key", "it-key", "--http-port", String.valueOf(freePort()), "--https-port", String.valueOf(freePort()),
                "--admin-port", String.valueOf(freePort()), "--metrics-port", String.valueOf(metricsPort))
                .redirectErrorStream(true).start();
        List<String> lines = new ArrayList<>();
        BufferedReader out = new BufferedReader(new InputStreamReader(gateway.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null) {
            lines.add(line);
            if (line.contains("certificates page on")) {
                break;
            }
        }
        String https = lines.stream().filter(l -> l.contains("HTTPS listening")).findFirst().orElseThrow();
        assertTrue(https.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[+-]\\d\\d:\\d\\d) \\[main] INFO .*"),
                "an ISO 8601 time with milliseconds, then the thread: " + https);
        assertTrue(lines.contains(lines.stream().filter(l -> l.endsWith("metrics on http://127.0.0.1:" + metricsPort
                + "/apisix/prometheus/metrics")).findFirst().orElse("no metrics line")), lines::toString);
        HttpResponse<String> scrape = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                "http://127.0.0.1:" + metricsPort + "/apisix/prometheus/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, scrape.statusCode());
        assertTrue(scrape.body().contains("apisix_node_info{hostname="), scrape.body());
        assertTrue(lines.stream().anyMatch(l -> l.contains("admin API listening on http://127.0.0.1:")), lines::toString);
        assertTrue(lines.stream().anyMatch(l -> l.contains("HTTP listening on")), lines::toString);
        assertTrue(lines.stream().anyMatch(l -> l.contains("HTTPS listening on")), lines::toString);
        // SIGTERM by kill(1): Process.destroy() would also close the output we still want to read.
        assertEquals(0, new ProcessBuilder("kill", "-TERM", String.valueOf(gateway.pid())).start().waitFor());
        assertTrue(gateway.waitFor(20, TimeUnit.SECONDS), "stopped");
        while ((line = out.readLine()) != null) {
            lines.add(line);
        }
        assertTrue(lines.stream().anyMatch(l -> l.contains("stopping")), lines::toString);
        assertEquals(143, gateway.exitValue());
    }

    @Test
    void launcher_onJava25_recordsAnAotCacheAtTheFirstStop_andLoadsItAtTheNext() throws Exception {
        Path cache = dir.resolve("gateway.aot");
        Process first = launch(cache);
        String recording = commandLine(javaOf(first));
        stop(first);
        if (Runtime.version().feature() < 25) {
            assertFalse(recording.contains("AOT"), "no AOT cache before Java 25: " + recording);
            assertFalse(Files.exists(cache));
            return;
        }
        assertTrue(recording.contains("-XX:AOTCacheOutput="), recording);
        assertTrue(Files.size(cache) > 0, "recorded at the stop");
        try (var leftovers = Files.list(dir)) {
            assertEquals(List.of(), leftovers.filter(p -> p.getFileName().toString().contains(".tmp")).toList());
        }
        Process second = launch(cache);
        String command = commandLine(javaOf(second));
        assertTrue(command.contains("-XX:AOTCache=" + cache) && command.contains("-XX:+UseCompactObjectHeaders"), command);
        stop(second);
    }

    /** The launcher, started with the test's JVM, until its HTTPS listener is up. */
    private Process launch(Path cache) throws Exception {
        ProcessBuilder builder = new ProcessBuilder("target/gateway", "--data-dir", dir.resolve("data").toString(),
                "--admin-key", "it-key", "--http-port", String.valueOf(freePort()), "--https-port", String.valueOf(freePort()),
                "--admin-port", String.valueOf(freePort())).redirectErrorStream(true)
                .redirectOutput(dir.resolve("launcher.log").toFile());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().put("GATEWAY_AOT_CACHE", cache.toString());
        Process launcher = builder.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.readString(dir.resolve("launcher.log")).contains("HTTPS listening"));
        return launcher;
    }

    /** The JVM the launcher runs: itself (it replaces itself with java) or, while recording, its child. */
    private static ProcessHandle javaOf(Process launcher) {
        return launcher.toHandle().children().findFirst().orElse(launcher.toHandle());
    }

    private static String commandLine(ProcessHandle process) throws IOException {
        return Files.readString(Path.of("/proc", String.valueOf(process.pid()), "cmdline")).replace('\0', ' ');
    }

    private static void stop(Process launcher) throws Exception {
        assertEquals(0, new ProcessBuilder("kill", "-TERM", String.valueOf(launcher.pid())).start().waitFor());
        assertTrue(launcher.waitFor(60, TimeUnit.SECONDS), "stopped");
        assertEquals(143, launcher.exitValue());
    }

    @Test
    void quickstartScript_runsTheWalkThroughEndToEnd() throws Exception {
        for (String tool : List.of("openssl", "curl")) {
            boolean present = Files.isExecutable(Path.of("/usr/bin", tool));
            if (!present && "true".equals(System.getenv("CI"))) {
                throw new AssertionError(tool + " is missing on CI: .ci/run should have installed it");
            }
            Assumptions.assumeTrue(present, tool + " is not installed: skipping (.ci/run installs it)");
        }
        ProcessBuilder builder = new ProcessBuilder("bash", "examples/quickstart.sh").directory(PROJECT.toFile())
                .redirectErrorStream(true).redirectOutput(dir.resolve("quickstart.log").toFile());
        builder.environment().put("HTTP_PORT", String.valueOf(freePort()));
        builder.environment().put("HTTPS_PORT", String.valueOf(freePort()));
        builder.environment().put("ADMIN_PORT", String.valueOf(freePort()));
        builder.environment().put("VAULT_PORT", String.valueOf(freePort()));
        builder.environment().put("UPSTREAM_PORT", String.valueOf(freePort()));
        builder.environment().remove("VAULT_ADDR");
        Process quickstart = builder.start();
        boolean finished = quickstart.waitFor(180, TimeUnit.SECONDS);
        String log = Files.readString(dir.resolve("quickstart.log"));
        if (!finished) {
            quickstart.destroyForcibly();
        }
        assertTrue(finished, "quickstart finished in time:\n" + log);
        assertEquals(0, quickstart.exitValue(), log);
        assertTrue(log.contains("quickstart OK"), log);
        assertTrue(log.contains("ALPN: server accepted h2") && log.contains("HTTP/2 200"), log);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
