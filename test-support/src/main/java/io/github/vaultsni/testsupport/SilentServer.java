package io.github.vaultsni.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A server on 127.0.0.1 that accepts every connection, reads what it is sent, and never answers: a Vault that
 * hangs (the case a timeout, a parked handshake and a breaker are for). Counts the connections it accepted.
 */
public final class SilentServer implements AutoCloseable {
    private final ServerSocket socket;
    private final List<Socket> accepted = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();

    private SilentServer(ServerSocket socket) {
        this.socket = socket;
    }

    /** Listens on a free port of 127.0.0.1 at once. */
    public static SilentServer start() {
        try {
            SilentServer server = new SilentServer(new ServerSocket(0, 512, InetAddress.getLoopbackAddress()));
            Thread acceptor = new Thread(server::accept, "silent-server");
            acceptor.setDaemon(true);
            acceptor.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code http://127.0.0.1:<port>}: where a Vault client would find it. */
    public String address() {
        return "http://127.0.0.1:" + socket.getLocalPort();
    }

    public int connections() {
        return connections.get();
    }

    private void accept() {
        while (!socket.isClosed()) {
            try {
                Socket client = socket.accept();
                connections.incrementAndGet();
                accepted.add(client);
                Thread reader = new Thread(() -> drain(client), "silent-server-reader");
                reader.setDaemon(true);
                reader.start();
            } catch (IOException closed) {
                return;
            }
        }
    }

    private static void drain(Socket client) {
        byte[] buffer = new byte[8192];
        try (InputStream in = client.getInputStream()) {
            while (in.read(buffer) >= 0) {
                // read and ignore: the peer waits for an answer that never comes
            }
        } catch (IOException closed) {
            // the peer gave up, or the server closed
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
            for (Socket client : accepted) {
                client.close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
