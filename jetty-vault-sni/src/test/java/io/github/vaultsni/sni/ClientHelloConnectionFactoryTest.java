package io.github.vaultsni.sni;

import io.github.vaultsni.testsupport.TestPki;
import io.github.vaultsni.testsupport.TestPki.Issued;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ClientHello reader on a real connector: a claimed name parks its connection until its work is done (then it
 * is served) or its wait ends (then it is refused), a name served now goes on at once, and past the per-owner bound
 * a connection goes on at once instead of parking.
 */
@Timeout(60)
class ClientHelloConnectionFactoryTest {
    private static final Issued ROOT = TestPki.rootCa("ROOT", "EC");
    private final TlsServerFixture server;
    private final SSLContext client = TlsServerFixture.clientContext(ROOT, null);
    private final ExecutorService clients = Executors.newFixedThreadPool(8);

    ClientHelloConnectionFactoryTest() throws Exception {
        server = new TlsServerFixture();
    }

    @AfterEach
    void stop() throws Exception {
        clients.shutdownNow();
        server.close();
    }

    private ClientHelloConnectionFactory reader() {
        return server.connector.getConnectionFactory(ClientHelloConnectionFactory.class);
    }

    /** Publishes {@code served} and a claim on {@code claimed} that waits on {@code work}, at most {@code wait}. */
    private void publish(SniEntry served, String claimed, CompletableFuture<Void> work, Duration wait) {
        SniCertificateIndex index = SniCertificateIndex.build(List.of(served), null, SniEntryPreference.newestValid(),
                Instant.now()).withClaims(Map.of(claimed, name -> work.isDone() ? null : new SniWait("slow", work, wait)),
                Map.of(), null);
        server.certificates().publish(index);
    }

    private CompletableFuture<Long> handshake(String sni) {
        return CompletableFuture.supplyAsync(() -> {
            long began = System.nanoTime();
            try {
                server.handshake(client, sni, null, null);
                return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began);
            } catch (Exception e) {
                return -TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began) - 1;
            }
        }, clients);
    }

    @Test
    void aClaimedName_isParkedUntilItsWorkIsDone_thenServed() throws Exception {
        CompletableFuture<Void> work = new CompletableFuture<>();
        publish(TlsServerFixture.entry("static", List.of("static.test"), ROOT.leaf("EC", "static.test")), "slow.test",
                work, Duration.ofSeconds(20));
        CompletableFuture<Long> parked = handshake("slow.test");
        Thread.sleep(300); // not a wait for a condition: the handshake reaches the server and parks
        assertEquals(1, reader().getParked());
        assertTrue(server.handshake(client, "static.test", null, null).subject().contains("static.test"),
                "a name served now goes on while another is parked");

        server.certificates().publish(SniCertificateIndex.build(List.of(
                TlsServerFixture.entry("slow", List.of("slow.test"), ROOT.leaf("EC", "slow.test"))), null,
                SniEntryPreference.newestValid(), Instant.now()));
        work.complete(null);
        assertTrue(parked.get(10, TimeUnit.SECONDS) >= 0, "served once the work is done");
        assertEquals(0, reader().getParked());
    }

    @Test
    void aWaitThatEnds_refusesTheName_andPastTheBound_aConnectionGoesOnAtOnce() throws Exception {
        reader().setMaxParkedPerOwner(2);
        publish(TlsServerFixture.entry("static", List.of("static.test"), ROOT.leaf("EC", "static.test")), "slow.test",
                new CompletableFuture<>(), Duration.ofSeconds(2));
        List<CompletableFuture<Long>> handshakes = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            handshakes.add(handshake("slow.test"));
        }
        Thread.sleep(300); // not a wait for a condition: both park
        assertEquals(2, reader().getParked());
        long third = handshake("slow.test").get(10, TimeUnit.SECONDS);
        assertTrue(third < 0 && -third < 1_000, "past the bound: refused at once, not parked (" + third + " ms)");
        for (CompletableFuture<Long> parked : handshakes) {
            long millis = parked.get(10, TimeUnit.SECONDS);
            assertTrue(millis < 0 && -millis >= 1_500 && -millis < 3_500, "refused when its wait ended: " + millis + " ms");
        }
        assertEquals(0, reader().getParked());
        assertThrows(SSLHandshakeException.class, () -> server.handshake(client, "unknown.test", null, null));
    }
}
