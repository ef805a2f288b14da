package io.github.vaultsni.sni;

import io.github.vaultsni.pem.CertifiedKey;
import io.github.vaultsni.tls.TlsProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every handshake test again with Conscrypt (BoringSSL) serving. Where Conscrypt behaves otherwise, the override
 * states how, and README's list of differences says the same: it ignores SNI matchers (an unknown name is
 * refused with {@code handshake_failure}, not {@code unrecognized_name}); it picks one certificate before the
 * cipher suite (an entry with RSA and ECDSA serves what the client's signature algorithms allow, which the
 * ClientHello reader tells it, but ECDSA to a client that narrows only its suites); and it has no protocol version
 * while the certificate is chosen, so an entry restricted to some TLS versions is refused to everyone (it fails
 * closed).
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

    @Override
    void assertUnrecognized(String sni) {
        SSLHandshakeException e = assertThrows(SSLHandshakeException.class, () -> server.handshake(client, sni, null, null));
        assertTrue(e.getMessage().contains("handshake_failure"), e.getMessage());
    }

    @Override
    @ParameterizedTest
    @ValueSource(strings = {"RSA", "EC"})
    void keyPair_isChosenByWhatTheClientAccepts(String keyType) throws Exception {
        String suite = keyType.equals("RSA") ? "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" : "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256";
        if (keyType.equals("RSA")) {
            assertThrows(SSLHandshakeException.class,
                    () -> server.handshake(client, "example.com", new String[]{"TLSv1.2"}, new String[]{suite}));
        } else {
            assertEquals("EC", server.handshake(client, "example.com", new String[]{"TLSv1.2"}, new String[]{suite})
                    .leaf().getPublicKey().getAlgorithm());
        }
    }

    @Override
    @Test
    void protocolRestriction_refusesOtherVersions() {
        server.publish(TlsServerFixture.entry("tls13", List.of("modern.example.com"), Set.of("TLSv1.3"), List.of(),
                ca.leaf("EC", "modern.example.com")));
        assertThrows(SSLHandshakeException.class, () -> server.handshake(client, "modern.example.com", null, null));
        assertThrows(SSLHandshakeException.class,
                () -> server.handshake(client, "modern.example.com", new String[]{"TLSv1.2"}, null));
    }
}
