package io.github.vaultsni.sni;

import io.github.vaultsni.tls.GatheringSslConnectionFactory;
import io.github.vaultsni.tls.TlsProvider;
import org.eclipse.jetty.io.AbstractConnection;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.RetainableByteBuffer;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.server.AbstractConnectionFactory;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.annotation.ManagedAttribute;
import org.eclipse.jetty.util.annotation.ManagedObject;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLEngine;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Reads a TLS connection's ClientHello before the TLS engine does, in the spirit of Netty's {@code SniHandler}
 * with an asynchronous mapping: when its server name needs work before it can be served ({@link SniCertificates#prepare}:
 * an SSL object being built, a name under a wildcard being issued), the connection is parked, holding no thread,
 * until that one piece of work completes or its wait times out; then it is handed, ClientHello and all, to the
 * next factory (TLS), whose key manager answers from the snapshot with map reads only. A name served now goes on at
 * once; a name no SSL object serves is refused here with {@code unrecognized_name}, as APISIX refuses it, before
 * any TLS engine (so alike for every TLS provider and TLS version), and so are a ClientHello without a name when no
 * object serves those ({@code handshake_failure}; in TLS 1.3 both providers closed without an alert) and one whose
 * object allows no TLS version both the connector and the client offer ({@code protocol_version}).
 *
 * <p>Parked connections are bounded, in all ({@link #setMaxParked}, default {@value #DEFAULT_MAX_PARKED}) and per
 * SSL object ({@link #setMaxParkedPerOwner}, default {@value #DEFAULT_MAX_PARKED_PER_OWNER}); past a bound a
 * connection goes on at once and is refused the name it asked for (not served yet). Put it first on a connector,
 * before the {@code SslConnectionFactory} it hands to ({@link SniConnectors} does).
 */
@ManagedObject("Parks TLS connections whose server name is being prepared")
public final class ClientHelloConnectionFactory extends AbstractConnectionFactory {
    public static final String PROTOCOL = "sni-client-hello";
    public static final int DEFAULT_MAX_PARKED = 1024;
    public static final int DEFAULT_MAX_PARKED_PER_OWNER = 256;
    /** A ClientHello and then some: one full TLS record (16 KiB) and its header. */
    private static final int BUFFER_SIZE = (1 << 14) + 5;
    private static final Logger LOG = LoggerFactory.getLogger(ClientHelloConnectionFactory.class);

    private final SniCertificates certificates;
    private final String nextProtocol;
    private final AtomicInteger parked = new AtomicInteger();
    private final Map<String, Integer> parkedByOwner = new ConcurrentHashMap<>();
    private int maxParked = DEFAULT_MAX_PARKED;
    private int maxParkedPerOwner = DEFAULT_MAX_PARKED_PER_OWNER;

    /**
     * @param certificates what the connector serves
     * @param nextProtocol the protocol of the factory each connection is handed to (TLS's, {@code "SSL"})
     */
    public ClientHelloConnectionFactory(SniCertificates certificates, String nextProtocol) {
        super(PROTOCOL);
        this.certificates = Objects.requireNonNull(certificates, "certificates");
        this.nextProtocol = Objects.requireNonNull(nextProtocol, "nextProtocol");
        setInputBufferSize(BUFFER_SIZE);
    }

    /** The most connections parked at once on this factory. Default {@value #DEFAULT_MAX_PARKED}. */
    public void setMaxParked(int maxParked) {
        if (maxParked < 0) {
            throw new IllegalArgumentException("maxParked (" + maxParked + ") must not be negative");
        }
        this.maxParked = maxParked;
    }

    @ManagedAttribute("The most connections parked at once")
    public int getMaxParked() {
        return maxParked;
    }

    /** The most connections parked at once on one SSL object's work. Default {@value #DEFAULT_MAX_PARKED_PER_OWNER}. */
    public void setMaxParkedPerOwner(int maxParkedPerOwner) {
        if (maxParkedPerOwner < 0) {
            throw new IllegalArgumentException("maxParkedPerOwner (" + maxParkedPerOwner + ") must not be negative");
        }
        this.maxParkedPerOwner = maxParkedPerOwner;
    }

    @ManagedAttribute("The most connections parked at once on one SSL object")
    public int getMaxParkedPerOwner() {
        return maxParkedPerOwner;
    }

    @ManagedAttribute("Connections parked now")
    public int getParked() {
        return parked.get();
    }

    @Override
    public Connection newConnection(Connector connector, EndPoint endPoint) {
        return configure(new ClientHelloConnection(connector, endPoint), connector, endPoint);
    }

    /** Takes a parking place for {@code owner}, or answers false past either bound. */
    private boolean park(String owner) {
        if (parked.incrementAndGet() > maxParked) {
            parked.decrementAndGet();
            return false;
        }
        boolean[] taken = new boolean[1];
        parkedByOwner.compute(owner, (o, count) -> {
            int now = count == null ? 0 : count;
            taken[0] = now < maxParkedPerOwner;
            return taken[0] ? now + 1 : count;
        });
        if (!taken[0]) {
            parked.decrementAndGet();
        }
        return taken[0];
    }

    private void unpark(String owner) {
        parked.decrementAndGet();
        parkedByOwner.computeIfPresent(owner, (o, count) -> count <= 1 ? null : count - 1);
    }

    @Override
    public String toString() {
        return String.format("%s@%x{%s->%s, parked=%d}", getClass().getSimpleName(), hashCode(), PROTOCOL, nextProtocol,
                parked.get());
    }

    /** One connection until its ClientHello is read and its name prepared; then the TLS connection takes over. */
    private final class ClientHelloConnection extends AbstractConnection implements Connection.UpgradeFrom {
        private final Connector connector;
        private final RetainableByteBuffer buffer;
        /** Whether the pooled buffer went back. Guarded by this. */
        private boolean released;
        private final AtomicBoolean resumed = new AtomicBoolean();
        /** What the ClientHello said; set before the hand-over. */
        private volatile ClientHello.Result hello = ClientHello.Result.NOT_A_HELLO;
        /** The SNI the ClientHello asked for (normalised), or null; set before the hand-over. */
        private volatile String requestedName;

        ClientHelloConnection(Connector connector, EndPoint endPoint) {
            super(endPoint, connector.getExecutor());
            this.connector = connector;
            this.buffer = connector.getByteBufferPool().acquire(getInputBufferSize(), true);
        }

        @Override
        public void onOpen() {
            super.onOpen();
            fillInterested();
        }

        @Override
        public void onFillable() {
            try {
                ByteBuffer bytes = buffer.getByteBuffer();
                while (true) {
                    int filled = getEndPoint().fill(bytes);
                    if (filled < 0) {
                        getEndPoint().close();
                        return;
                    }
                    ClientHello.Result hello = ClientHello.read(bytes);
                    if (hello.status() != ClientHello.Status.MORE || BufferUtil.space(bytes) == 0) {
                        proceed(hello);
                        return;
                    }
                    if (filled == 0) {
                        fillInterested();
                        return;
                    }
                }
            } catch (IOException | RuntimeException e) {
                LOG.debug("reading a ClientHello on {}: {}", getEndPoint(), e.toString());
                getEndPoint().close(e);
            }
        }

        /** Hands the connection on now, or once what its name waits for is done. */
        private void proceed(ClientHello.Result hello) {
            this.hello = hello;
            String name = hello.hostName() == null ? null : SniNames.normalizeClientName(hello.hostName());
            requestedName = name;
            SniWait wait = hello.status() == ClientHello.Status.READ ? certificates.prepare(name) : null;
            if (wait == null || wait.isDone() || !park(wait.owner())) {
                handOver();
                return;
            }
            Scheduler.Task timeout = connector.getScheduler().schedule(() -> resume(wait),
                    wait.timeout().toMillis(), TimeUnit.MILLISECONDS);
            wait.done().whenComplete((ok, failure) -> {
                timeout.cancel();
                resume(wait);
            });
        }

        /** Once: the wait is over (done or timed out), so the handshake goes on, on a connector thread. */
        private void resume(SniWait wait) {
            if (resumed.compareAndSet(false, true)) {
                unpark(wait.owner());
                getExecutor().execute(this::handOver);
            }
        }

        private void handOver() {
            if (!getEndPoint().isOpen()) {
                release();
                return;
            }
            ConnectionFactory next = connector.getConnectionFactory(nextProtocol);
            if (next == null) {
                LOG.warn("{}: no {} factory on {}", PROTOCOL, nextProtocol, connector);
                getEndPoint().close();
                return;
            }
            SniEntry entry = certificates.current().lookup(requestedName);
            if (entry == null && (requestedName != null || sentNoName())) {
                certificates.handshakes().refused(null, requestedName, SniHandshakeListener.Outcome.UNKNOWN_NAME);
                refuse(requestedName != null ? TlsAlert.UNRECOGNIZED_NAME : TlsAlert.HANDSHAKE_FAILURE);
                return;
            }
            Connection tls = newTlsConnection(next, entry);
            Runnable endNote = () -> { };
            if (tls instanceof SslConnection ssl) {
                if (!fit(ssl.getSSLEngine(), entry)) {
                    TlsProvider.closeEngine(ssl.getSSLEngine()); // never started: freed now, its connection let go
                    certificates.handshakes().refused(null, requestedName, SniHandshakeListener.Outcome.PROTOCOL_REFUSED);
                    refuse(TlsAlert.PROTOCOL_VERSION);
                    return;
                }
                endNote = noteHandshake(ssl, entry == null ? Set.of() : entry.protocols());
            }
            getEndPoint().upgrade(tls);
            if (!getEndPoint().isOpen()) {
                endNote.run(); // closed while handing over: the TLS connection was never opened, so never closes
            }
        }

        /**
         * The TLS connection from {@code next}, whose engine is the JDK's when {@code entry} has a key kept elsewhere
         * (keyless: only the JDK's TLS signs through Vault) and the connector's provider is another.
         */
        private Connection newTlsConnection(ConnectionFactory next, SniEntry entry) {
            if (entry != null && entry.hasRemoteKey() && next instanceof GatheringSslConnectionFactory tls
                    && tls.getSslContextFactory() instanceof VaultSniSslContextFactory factory) {
                return tls.newConnection(connector, getEndPoint(),
                        factory.newRemoteKeyEngine(getEndPoint().getRemoteSocketAddress()));
            }
            return next.newConnection(connector, getEndPoint());
        }

        /**
         * Fits {@code engine} (not started) to what the ClientHello asked for, the same for every TLS provider: the
         * TLS versions of {@code entry} (the SSL object its name is served by, or null), as APISIX's
         * {@code ssl_protocols} sets them from the ClientHello, so a client offering others too negotiates one of
         * them; then only the TLS 1.2 cipher suites whose certificates the client can verify ({@link ClientKeyTypes}).
         * False when {@code entry} allows no version both the connector and the client offer.
         */
        private boolean fit(SSLEngine engine, SniEntry entry) {
            if (entry != null && !entry.protocols().isEmpty()) {
                String[] protocols = Arrays.stream(engine.getEnabledProtocols()).filter(entry::allows).toArray(String[]::new);
                if (Arrays.stream(protocols).noneMatch(hello.versions()::contains)) {
                    return false;
                }
                engine.setEnabledProtocols(protocols);
            }
            hello.keyTypesWith(engine).restrict(engine);
            return true;
        }

        /** Whether the ClientHello was read and named no server (an address in the client's URL). */
        private boolean sentNoName() {
            return hello.status() == ClientHello.Status.READ && hello.hostName() == null;
        }

        /**
         * Answers the ClientHello with a fatal {@code alert} before any TLS engine sees it (the JDK's and Conscrypt's
         * would differ, and it costs no engine), then closes.
         */
        private void refuse(TlsAlert alert) {
            release();
            try {
                getEndPoint().flush(alert.record());
            } catch (IOException e) {
                LOG.debug("{} to {}: {}", alert, getEndPoint(), e.toString());
            }
            getEndPoint().close();
        }

        /**
         * Opens the handshake's note ({@link SniHandshakes}), saying to which TLS versions the engine was held, for as
         * long as the TLS connection lives; answers what ends the note.
         */
        private Runnable noteHandshake(SslConnection ssl, Set<String> heldToProtocols) {
            SSLEngine engine = ssl.getSSLEngine();
            SniHandshakes handshakes = certificates.handshakes();
            SniHandshakes.Note note = handshakes.begin(engine, requestedName, heldToProtocols);
            Runnable end = () -> handshakes.end(engine, note);
            ssl.addEventListener(new Connection.Listener() {
                @Override
                public void onClosed(Connection connection) {
                    end.run();
                }
            });
            return end;
        }

        /**
         * The bytes read so far, for the TLS connection, which copies them into its own pooled buffer at once (so a
         * heap copy: a direct one per connection is freed only by a GC); the pooled buffer goes back (unless a close
         * took it first).
         */
        @Override
        public synchronized ByteBuffer onUpgradeFrom() {
            if (released) {
                return null;
            }
            ByteBuffer bytes = buffer.getByteBuffer();
            ByteBuffer unread = null;
            if (bytes.hasRemaining()) {
                unread = ByteBuffer.allocate(bytes.remaining());
                unread.put(bytes).flip();
            }
            release();
            return unread;
        }

        @Override
        public void onClose(Throwable cause) {
            super.onClose(cause);
            release();
        }

        private synchronized void release() {
            if (!released) {
                released = true;
                buffer.release();
            }
        }
    }
}
