package io.github.vaultsni.gateway.listener;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.vaultsni.gateway.Gateway;
import io.github.vaultsni.gateway.TestGatewayConfig;
import io.github.vaultsni.gateway.admin.AdminTestClient;
import io.github.vaultsni.testsupport.TestPki;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * APISIX's {@code apisix.ssl.fallback_sni} as {@code --fallback-sni}: a client that sends no SNI (an IP address in
 * its URL, an old client) gets that name's certificate; without the setting it is refused.
 */
@Timeout(60)
class FallbackSniTest {
    private static final String ADMIN = "fallback-admin-key";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static TestPki.Issued root;
    private static TestPki.Issued wildcard;

    @TempDir
    Path tmp;

    @BeforeAll
    static void pki() {
        root = TestPki.rootCa("ROOTCA", "EC");
        wildcard = root.leaf("EC", "*.test.com");
    }

    private Gateway start(String fallbackSni) throws Exception {
        Gateway gateway = Gateway.start(TestGatewayConfig.loopback(tmp.resolve("data-" + fallbackSni)).adminKey(ADMIN)
                .fallbackSni(fallbackSni).build());
        String ssl = JSON.createObjectNode().put("sni", "*.test.com").put("cert", wildcard.certificatePem())
                .put("key", wildcard.privateKeyPem()).toString();
        assertEquals(201, new AdminTestClient(gateway.adminPort(), ADMIN).call("PUT", "ssls/wild", ssl).status());
        await().atMost(Duration.ofSeconds(10)).until(() -> handshake(gateway, List.of(new SNIHostName("a.test.com"))) != null);
        return gateway;
    }

    @Test
    void noSni_getsTheFallbackNamesCertificate() throws Exception {
        try (Gateway gateway = start("www.test.com")) {
            X509Certificate leaf = handshake(gateway, List.of());
            assertEquals(wildcard.certificate(), leaf);
        }
    }

    @Test
    void withoutTheSetting_noSniIsRefused() throws Exception {
        try (Gateway gateway = start(null)) {
            assertThrows(SSLException.class, () -> handshakeOrThrow(gateway, List.of()));
        }
    }

    private static X509Certificate handshake(Gateway gateway, List<SNIServerName> names) {
        try {
            return handshakeOrThrow(gateway, names);
        } catch (SSLException e) {
            return null;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static X509Certificate handshakeOrThrow(Gateway gateway, List<SNIServerName> names) throws Exception {
        SSLContext context = TestPki.clientContext(root, null);
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", gateway.httpsPort())) {
            socket.setSoTimeout(5000);
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setServerNames(names);
            parameters.setEndpointIdentificationAlgorithm(null);
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            return (X509Certificate) socket.getSession().getPeerCertificates()[0];
        }
    }
}
