package io.github.vaultsni.gateway.store;

import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * A real etcd (Debian's etcd-server, installed by .ci/run) on 127.0.0.1 for tests: started on free ports with
 * its own data directory, stoppable and restartable on the same data. Skips the test when etcd is not installed
 * on a developer's machine; on CI a missing etcd fails.
 */
public final class EtcdServer implements AutoCloseable {
    private static final Path ETCD = Path.of("/usr/bin/etcd");
    /** etcd answers within a second here; a loaded CI machine gets ample room before the test gives up. */
    private static final int START_TIMEOUT_SECONDS = 60;
    private final Path dataDir;
    private int clientPort;
    private int peerPort;
    private boolean started;
    private long logStart;
    private Process process;
    private Tls tls;
    private String etcdctlUser;
    private Tls etcdctlTls;

    /** Files for a TLS listener that asks every client for a certificate signed by {@code ca}. */
    public record Tls(Path ca, Path certificate, Path key) {
    }

    public EtcdServer(Path dataDir) throws IOException {
        boolean installed = Files.isExecutable(ETCD);
        if (!installed && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("etcd is missing on CI: .ci/run should have installed etcd-server");
        }
        Assumptions.assumeTrue(installed, "etcd is not installed: skipping (.ci/run installs etcd-server)");
        this.dataDir = dataDir;
        choosePorts();
    }

    public String endpoint() {
        return (tls == null ? "http" : "https") + "://127.0.0.1:" + clientPort;
    }

    /**
     * Serve clients over TLS with client-certificate checks; {@code etcdctl} presents {@code client}. Call before
     * {@link #start()}.
     */
    public EtcdServer withTls(Tls server, Tls client) {
        this.tls = server;
        this.etcdctlTls = client;
        return this;
    }

    /** {@code etcdctl} authenticates as this user ({@code name:password}) from now on. */
    public void etcdctlUser(String user) {
        this.etcdctlUser = user;
    }

    public List<String> endpoints() {
        return List.of(endpoint());
    }

    /**
     * Starts etcd and waits until its client port answers. A first start that loses its ports to another process
     * in the moment between choosing and binding them tries again on new ones; any other failure names etcd's
     * own reason, from its log.
     */
    public EtcdServer start() throws Exception {
        for (int attempt = 1; ; attempt++) {
            process = launch();
            if (awaitReachable()) {
                started = true;
                return this;
            }
            String reason = reasonFromLog();
            stop();
            if (started || attempt == 3 || !reason.contains("address already in use")) {
                throw new AssertionError("etcd did not start: " + reason);
            }
            choosePorts();
        }
    }

    private Process launch() throws IOException {
        String peer = "http://127.0.0.1:" + peerPort;
        List<String> command = new ArrayList<>(List.of(ETCD.toString(), "--name", "test",
                "--data-dir", dataDir.toString(), "--listen-client-urls", endpoint(), "--advertise-client-urls", endpoint(),
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", "test=" + peer));
        if (tls != null) {
            command.addAll(List.of("--cert-file", tls.certificate().toString(), "--key-file", tls.key().toString(),
                    "--trusted-ca-file", tls.ca().toString(), "--client-cert-auth"));
        }
        logStart = Files.exists(log()) ? Files.size(log()) : 0;
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile()))
                .start();
    }

    /** Whether the client port answers before etcd exits or the start timeout passes. */
    private boolean awaitReachable() {
        try {
            await().atMost(Duration.ofSeconds(START_TIMEOUT_SECONDS)).pollInterval(Duration.ofMillis(50))
                    .until(() -> reachable() || !process.isAlive());
            return reachable();
        } catch (ConditionTimeoutException e) {
            return false;
        }
    }

    private Path log() {
        return dataDir.resolveSibling(dataDir.getFileName() + ".log");
    }

    /** This run's error lines from etcd's log (its levels E, C and F), or the end of the log when it wrote none. */
    private String reasonFromLog() throws IOException {
        byte[] all = Files.readAllBytes(log());
        List<String> lines = new String(all, (int) logStart, all.length - (int) logStart).lines().toList();
        List<String> errors = lines.stream().filter(l -> l.matches(".* [ECF] \\| .*|.*(?i:error|fatal|panic).*")).toList();
        List<String> reason = errors.isEmpty() ? lines.subList(Math.max(0, lines.size() - 5), lines.size()) : errors;
        return (process != null && !process.isAlive() ? "exited " + process.exitValue() + "; "
                : "not reachable in " + START_TIMEOUT_SECONDS + " s; ")
                + String.join(" / ", reason);
    }

    public void stop() throws InterruptedException {
        if (process != null) {
            process.destroy();
            process.waitFor(20, TimeUnit.SECONDS);
            process = null;
        }
    }

    /** {@code etcdctl} against this etcd; its output. */
    public String etcdctl(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("/usr/bin/etcdctl", "--endpoints=" + endpoint()));
        if (etcdctlTls != null) {
            command.addAll(List.of("--cacert=" + etcdctlTls.ca(), "--cert=" + etcdctlTls.certificate(),
                    "--key=" + etcdctlTls.key()));
        }
        if (etcdctlUser != null) {
            command.add("--user=" + etcdctlUser);
        }
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("ETCDCTL_API", "3");
        Process p = builder.start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError("etcdctl " + args[0] + " failed: " + out);
        }
        return out;
    }

    private boolean reachable() {
        try (Socket socket = new Socket("127.0.0.1", clientPort)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Two distinct free ports: both held open while chosen, so the system cannot hand out one twice. */
    private void choosePorts() throws IOException {
        try (ServerSocket client = new ServerSocket(0); ServerSocket peer = new ServerSocket(0)) {
            clientPort = client.getLocalPort();
            peerPort = peer.getLocalPort();
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
