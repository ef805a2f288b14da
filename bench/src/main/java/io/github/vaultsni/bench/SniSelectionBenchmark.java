package io.github.vaultsni.bench;

import io.github.vaultsni.pem.CertifiedKey;
import io.github.vaultsni.pem.Pem;
import io.github.vaultsni.sni.SniCertificateIndex;
import io.github.vaultsni.sni.SniEntry;
import io.github.vaultsni.sni.SniEntryPreference;
import io.github.vaultsni.sni.SniNames;
import io.github.vaultsni.testsupport.TestPki;
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
import org.openjdk.jmh.annotations.Warmup;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Choosing the entry for a client's SNI, as the key manager does on every handshake, with 10 to 100,000
 * entries loaded: half exact names, half one-label wildcards. Target: at most 1 µs and flat.
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar SniSelection}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SniSelectionBenchmark {
    @Param({"10", "10000", "100000"})
    int entries;

    private SniCertificateIndex index;
    private String[] exactNames;
    private String[] wildcardNames;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        TestPki.Issued leaf = TestPki.rootCa("CA", "EC").leaf("EC", "placeholder.example");
        CertifiedKey key = Pem.decodeCertifiedKey("cert", leaf.certificatePem(), "key", leaf.privateKeyPem(), null);
        List<SniEntry> list = new ArrayList<>(entries);
        for (int i = 0; i < entries; i++) {
            String sni = i % 2 == 0 ? "host" + i + ".example.net" : "*.zone" + i + ".example.net";
            list.add(SniEntry.of("e" + i, List.of(sni), List.of(key)));
        }
        index = SniCertificateIndex.build(list, null, SniEntryPreference.newestValid(), Instant.now());
        exactNames = new String[1024];
        wildcardNames = new String[1024];
        for (int i = 0; i < 1024; i++) {
            int n = (int) ((long) i * entries / 1024);
            exactNames[i] = "host" + (n - n % 2) + ".example.net";
            wildcardNames[i] = "WWW.zone" + (n | 1) % Math.max(entries, 2) + ".example.net";
        }
    }

    @Benchmark
    public SniEntry exactName() {
        return index.lookup(SniNames.normalizeClientName(exactNames[next++ & 1023]));
    }

    @Benchmark
    public SniEntry wildcardNameWithUpperCase() {
        return index.lookup(SniNames.normalizeClientName(wildcardNames[next++ & 1023]));
    }
}
