package io.github.vaultsni.gateway.store;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real etcd (Debian's etcd-server, installed by .ci/run) on 127.0.0.1 for tests: started on free ports with
 * its own data directory, stoppable and restartable on the same data. Skips the test when etcd is not installed
 * on a developer's machine; on CI a missing etcd fails.
 */
public final class EtcdServer implements AutoCloseable {
    private static final Path ETCD = Path.of("/usr/bin/etcd");
    private final Path dataDir;
    private final int clientPort;
    private final int peerPort;
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
        this.clientPort = freePort();
        this.peerPort = freePort();
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

    public EtcdServer start() throws Exception {
        String peer = "http://127.0.0.1:" + peerPort;
        List<String> command = new java.util.ArrayList<>(List.of(ETCD.toString(), "--name", "test",
                "--data-dir", dataDir.toString(), "--listen-client-urls", endpoint(), "--advertise-client-urls", endpoint(),
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", "test=" + peer));
        if (tls != null) {
            command.addAll(List.of("--cert-file", tls.certificate().toString(), "--key-file", tls.key().toString(),
                    "--trusted-ca-file", tls.ca().toString(), "--client-cert-auth"));
        }
        process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dataDir.resolveSibling(dataDir.getFileName() + ".log").toFile())
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!reachable()) {
            if (System.nanoTime() > deadline || !process.isAlive()) {
                throw new AssertionError("etcd did not start");
            }
            Thread.sleep(50);
        }
        return this;
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
        List<String> command = new java.util.ArrayList<>(List.of("/usr/bin/etcdctl", "--endpoints=" + endpoint()));
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

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
