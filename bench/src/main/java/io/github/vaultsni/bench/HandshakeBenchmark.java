package io.github.vaultsni.bench;

import io.github.vaultsni.pem.CertifiedKey;
import io.github.vaultsni.pem.Pem;
import io.github.vaultsni.sni.SniCertificateIndex;
import io.github.vaultsni.sni.SniCertificates;
import io.github.vaultsni.sni.SniConnectors;
import io.github.vaultsni.sni.SniEntry;
import io.github.vaultsni.sni.SniEntryPreference;
import io.github.vaultsni.sni.VaultSniSslContextFactory;
import io.github.vaultsni.testsupport.TestPki;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Full TLS 1.3 handshakes (ECDSA P-256, no resumption) per second against one Jetty connector using the SNI
 * factory, with 1 or 10,000 entries loaded: the number of entries must not show. Client and server share the
 * machine's cores, so compare the two figures of one run, not absolute numbers across machines.
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar Handshake}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class HandshakeBenchmark {
    @Param({"1", "10000"})
    int entries;

    private Server server;
    private int port;
    private SSLContext client;
    private String sni;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        TestPki.Issued root = TestPki.rootCa("CA", "EC");
        TestPki.Issued leaf = root.leaf("EC", "placeholder.example");
        CertifiedKey key = Pem.decodeCertifiedKey("cert", leaf.certificatePem(), "key", leaf.privateKeyPem(), null);
        List<SniEntry> list = new ArrayList<>();
        for (int i = 0; i < entries; i++) {
            list.add(SniEntry.of("e" + i, List.of("host" + i + ".example.net"), List.of(key)));
        }
        SniCertificates certificates = new SniCertificates();
        certificates.publish(SniCertificateIndex.build(list, null, SniEntryPreference.newestValid(), Instant.now()));
        server = new Server(new QueuedThreadPool(16));
        ServerConnector connector = SniConnectors.https(server, new VaultSniSslContextFactory(certificates),
                new HttpConfiguration(), "127.0.0.1", 0);
        server.addConnector(connector);
        server.start();
        port = connector.getLocalPort();
        sni = "host" + (entries - 1) + ".example.net";

        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("root", root.certificate());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(trust);
        client = SSLContext.getInstance("TLSv1.3");
        client.init(null, tmf.getTrustManagers(), null);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        server.stop();
    }

    @Benchmark
    public X509Certificate fullHandshake() throws IOException {
        try (SSLSocket socket = (SSLSocket) client.getSocketFactory().createSocket("127.0.0.1", port)) {
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setServerNames(List.of(new SNIHostName(sni)));
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            X509Certificate leaf = (X509Certificate) socket.getSession().getPeerCertificates()[0];
            socket.getSession().invalidate();
            return leaf;
        }
    }
}
