package io.github.vaultsni.bench;

import io.github.vaultsni.pem.CertifiedKey;
import io.github.vaultsni.pem.Pem;
import io.github.vaultsni.sni.SniCertificateIndex;
import io.github.vaultsni.sni.SniEntry;
import io.github.vaultsni.sni.SniEntryPreference;
import io.github.vaultsni.testsupport.TestPki;

import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Heap retained per loaded ECDSA P-256 entry (its own leaf and key, a shared intermediate, one SNI), measured
 * as the used-heap difference around loading N entries into an index, after full GCs. Target: at most 8 KiB.
 *
 * <p>Run: {@code java -cp bench/target/benchmarks.jar io.github.vaultsni.bench.HeapPerEntry [entries]}
 */
public final class HeapPerEntry {
    private HeapPerEntry() {
    }

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        TestPki.Issued intermediate = TestPki.rootCa("Root", "EC").intermediate("Intermediate", "EC");
        List<String[]> pems = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            TestPki.Issued leaf = intermediate.leaf("EC", "host" + i + ".example.net");
            pems.add(new String[]{leaf.certificatePem(), leaf.privateKeyPem()});
        }
        long before = usedHeapAfterGc();
        List<SniEntry> entries = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            CertifiedKey key = Pem.decodeCertifiedKey("cert", pems.get(i)[0], "key", pems.get(i)[1], null);
            entries.add(SniEntry.of("e" + i, List.of("host" + i + ".example.net"), List.of(key)));
        }
        SniCertificateIndex index = SniCertificateIndex.build(entries, null, SniEntryPreference.newestValid(), Instant.now());
        entries = null;
        long after = usedHeapAfterGc();
        System.out.printf("%d ECDSA P-256 entries (leaf + intermediate each): %.0f bytes of heap per entry (%d in index)%n",
                n, (after - before) / (double) n, index.size());
    }

    private static long usedHeapAfterGc() {
        for (int i = 0; i < 5; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
