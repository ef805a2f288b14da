package io.github.vaultsni.sni;

import io.github.vaultsni.pem.CertifiedKey;
import io.github.vaultsni.tls.TlsProvider;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every handshake test again with Conscrypt (BoringSSL) serving, which behaves as the JDK in each: the refusals that
 * differed (an unknown name, an object's TLS versions) are made by the ClientHello reader before any engine, and the
 * certificate a client can verify is left to Conscrypt as the only choice ({@link ClientKeyTypes}).
 */
class ConscryptVaultSniSslContextFactoryTest extends VaultSniSslContextFactoryTest {
    @Override
    TlsProvider provider() {
        return TlsProvider.CONSCRYPT;
    }

    @Test
    void theServerReallyRunsConscrypt() {
        assertEquals("Conscrypt", server.factory.getSslContext().getProvider().getName());
        assertTrue(server.factory.newSSLEngine().getClass().getName().startsWith("org.conscrypt."));
    }

    /**
     * Handed a JDK key object, Conscrypt re-reads it on every handshake (RSA-2048: 1.3-1.7 ms per signature
     * instead of 0.7); the keys handshakes get are Conscrypt's own, made when the index was published.
     */
    @Test
    void handshakesGetConscryptsOwnKeyObjects() throws Exception {
        server.handshake(client, "www.example.com", null, null);
        List<CertifiedKey> keys = server.certificates.current().entries().stream().flatMap(e -> e.keys().stream()).toList();
        assertTrue(keys.size() >= 3, keys.toString());
        for (CertifiedKey key : keys) {
            assertTrue(server.certificates.privateKey(key).getClass().getName().startsWith("org.conscrypt."),
                    key + ": " + server.certificates.privateKey(key).getClass());
        }
    }

    /**
     * Conscrypt's engine holds a native pipe (two descriptors) until it is closed both ways; Jetty leaves it open
     * when the peer resets. Without {@code TlsProvider}'s engine closer this test ends about 50 descriptors up (GC
     * reclaims most of the 600), and the gateway under the shared handshake benchmark held 6,101 after 17,000.
     */
    @Test
    void connectionsResetByThePeer_leaveNoFileDescriptorsBehind() throws Exception {
        server.handshake(client, "www.example.com", null, null);
        long before = openFileDescriptors();
        for (int i = 0; i < 300; i++) {
            try (Socket plain = new Socket("127.0.0.1", server.port())) {
                SSLSocket socket = (SSLSocket) client.getSocketFactory().createSocket(plain, "127.0.0.1", server.port(), true);
                SSLParameters parameters = socket.getSSLParameters();
                parameters.setServerNames(List.of(new SNIHostName("www.example.com")));
                socket.setSSLParameters(parameters);
                socket.startHandshake();
                plain.setSoLinger(true, 0); // the TCP socket closed under TLS: a reset, no close_notify
            }
        }
        await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
            long added = openFileDescriptors() - before;
            assertTrue(added <= 20, added + " more descriptors");
        });
    }

    private static long openFileDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }
}
