package io.github.vaultsni.gateway;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged {@code gateway.jar} as users run it: its listener lines and a clean stop on SIGTERM; and
 * {@code examples/quickstart.sh}, the walk-through end to end against the jar as a separate process.
 */
class GatewayJarIT {
    private static final Path PROJECT = Path.of("").toAbsolutePath().getParent();
    @TempDir
    Path dir;

    @Test
    void jar_logsOneLinePerListener_andStopsCleanlyOnSigterm() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process gateway = new ProcessBuilder(java, "-jar", "target/gateway.jar", "--data-dir", dir.resolve("data").toString(),
                "--admin-key", "it-key", "--http-port", String.valueOf(freePort()), "--https-port", String.valueOf(freePort()),
                "--admin-port", String.valueOf(freePort())).redirectErrorStream(true).start();
        List<String> lines = new ArrayList<>();
        BufferedReader out = new BufferedReader(new InputStreamReader(gateway.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null) {
            lines.add(line);
            if (line.contains("HTTPS listening")) {
                break;
            }
        }
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
