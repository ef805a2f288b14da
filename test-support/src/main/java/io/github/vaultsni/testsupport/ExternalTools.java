package io.github.vaultsni.testsupport;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real clients tests run ({@code openssl}, {@code curl}, {@code h2load}, Python): found or skipped, run with a
 * bound on their time. On CI ({@code CI=true}) a missing tool fails the test, since {@code .ci/run} installs them;
 * on a developer's machine it skips the test, saying what to install.
 */
public final class ExternalTools {
    private ExternalTools() {
    }

    /** Skips the calling test when {@code tool} is not installed (fails on CI). */
    public static void require(String tool) {
        boolean present = Files.isExecutable(Path.of("/usr/bin", tool)) || Files.isExecutable(Path.of("/usr/local/bin", tool));
        requirePresent(present, tool);
    }

    /** Skips the calling test when Python 3 cannot import {@code module} (fails on CI). */
    public static void requirePythonModule(String module) {
        boolean present;
        try {
            present = Files.isExecutable(Path.of("/usr/bin/python3"))
                    && new ProcessBuilder("/usr/bin/python3", "-c", "import " + module).start().waitFor() == 0;
        } catch (IOException e) {
            present = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        requirePresent(present, "python3 module " + module);
    }

    private static void requirePresent(boolean present, String what) {
        if (!present && "true".equals(System.getenv("CI"))) {
            throw new AssertionError(what + " is missing on CI: .ci/run should have installed it");
        }
        Assumptions.assumeTrue(present, what + " is not installed: skipping (.ci/run installs it)");
    }

    /**
     * Runs {@code command}, writes {@code stdin} (null: none) and closes it, and returns what it wrote to stdout and
     * stderr; an {@link AssertionError} when it has not exited within {@code timeout}.
     */
    public static String run(List<String> command, String stdin, Duration timeout) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try (OutputStream in = process.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        return finish(process, command, timeout);
    }

    /** Waits for a started {@code process} as {@link #run} does, and returns its output. */
    public static String finish(Process process, List<String> command, Duration timeout) throws IOException, InterruptedException {
        boolean exited = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (!exited) {
            process.destroyForcibly();
        }
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!exited) {
            throw new AssertionError("did not finish within " + timeout + ": " + command + "\n" + out);
        }
        return out;
    }
}
