package io.github.vaultsni.jettybase;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
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
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!jetty.log().contains("Started oejs.Server")) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                jetty.close();
                throw new AssertionError("Jetty did not start:\n" + jetty.log());
            }
            Thread.sleep(100);
        }
        return jetty;
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
