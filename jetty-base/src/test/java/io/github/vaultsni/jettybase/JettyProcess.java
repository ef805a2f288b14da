package io.github.vaultsni.jettybase;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionEvaluationListener;
import org.awaitility.core.ConditionFactory;
import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.core.EvaluatedCondition;
import org.awaitility.core.TimeoutEvent;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A stock jetty-home started with {@code java -jar start.jar} on a jetty-base, as a separate process. */
final class JettyProcess implements AutoCloseable {
    static final Path HOME = Path.of(System.getProperty("jetty.home"));
    final Path base;
    final Path log;
    private final Process process;

    private JettyProcess(Path base, Process process, Path log) {
        this.base = base;
        this.process = process;
        this.log = log;
    }

    /** Runs {@code start.jar} with these arguments in {@code base} to completion (e.g. --add-modules): its exit code. */
    static int run(Path base, String... args) throws Exception {
        List<String> command = command(base, args);
        Process p = new ProcessBuilder(command).directory(base.toFile()).redirectErrorStream(true)
                .redirectOutput(base.resolve("start-jar.log").toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("start.jar did not finish: " + Files.readString(base.resolve("start-jar.log")));
        }
        return p.exitValue();
    }

    /** Starts Jetty and waits until the server has started. */
    static JettyProcess start(Path base, String... properties) throws Exception {
        Path log = base.resolve("jetty.log");
        Process process = new ProcessBuilder(command(base, properties)).directory(base.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        JettyProcess jetty = new JettyProcess(base, process, log);
        try {
            Awaitility.await().atMost(Duration.ofSeconds(90)).until(() -> jetty.started() || !process.isAlive());
        } catch (ConditionTimeoutException notInTime) {
            // said below, with Jetty's log
        }
        if (!jetty.started()) {
            jetty.close();
            throw new AssertionError("Jetty did not start:\n" + jetty.log());
        }
        return jetty;
    }

    private boolean started() throws IOException {
        return log().contains("Started oejs.Server");
    }

    /**
     * Awaitility's wait for a change to reach this Jetty: at most 15 s, and when that passes, Jetty's log goes to the
     * test's output (the base is a temporary directory, gone after the test).
     */
    ConditionFactory await() {
        return Awaitility.await().atMost(Duration.ofSeconds(15)).conditionEvaluationListener(new LogOnTimeout());
    }

    private final class LogOnTimeout implements ConditionEvaluationListener<Object> {
        @Override
        public void conditionEvaluated(EvaluatedCondition<Object> condition) {
        }

        @Override
        public void onTimeout(TimeoutEvent timeout) {
            try {
                System.err.println(timeout.getDescription() + "; Jetty's log:\n" + log());
            } catch (IOException e) {
                System.err.println(timeout.getDescription() + "; Jetty's log is unreadable: " + e);
            }
        }
    }

    private static List<String> command(Path base, String... args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", HOME.resolve("start.jar").toString(), "jetty.home=" + HOME, "jetty.base=" + base));
        command.addAll(List.of(args));
        return command;
    }

    String log() throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
