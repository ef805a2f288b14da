package io.github.vaultsni.gateway.proxy;

import io.github.vaultsni.gateway.TestGatewayConfig;
import io.github.vaultsni.testsupport.TestPki;
import io.github.vaultsni.testsupport.PrometheusText.Format;
import io.github.vaultsni.testsupport.PrometheusText.Sample;
import io.github.vaultsni.testsupport.PrometheusText;
import io.github.vaultsni.tls.TlsProvider;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The behaviour suite against {@code gateway.jar}'s door, the jetty-core {@link GatewayProxyHandler}. */
class CoreDoorProxyTest extends AbstractProxyBehaviourTest {

    @Override
    ProxyDoor startDoor(Path dataDir) throws Exception {
        return new CoreDoor(dataDir, KEY);
    }

    @Test
    void tlsSessions_doNotResumeByDefault_asApisix_butDoWithTickets() throws Exception {
        TestPki.Issued root = TestPki.rootCa("ROOTCA", "EC");
        assertFalse(resumes(root), "no ticket, no resumption");
        door.close();
        door = new CoreDoor(TestGatewayConfig.loopback(dir.resolve("tickets")).adminKey(KEY).tlsSessionTickets(true));
        admin = door.admin();
        assertTrue(resumes(root), "--tls-session-tickets true");
    }

    /** Whether a second TLS 1.3 connection of one client resumes the first one's session. */
    private boolean resumes(TestPki.Issued root) throws Exception {
        TestPki.Issued leaf = root.leaf("EC", "resume.test");
        put("ssls/resume", JSON.createObjectNode().put("sni", "resume.test").put("cert", leaf.certificatePem())
                .put("key", leaf.privateKeyPem()).toString());
        door.awaitServed("resume");
        SSLContext client = TestPki.clientContext(root, null);
        long first = handshake(client);
        return handshake(client) == first;
    }

    /** One HTTP/1.1 request over a new TLS connection; the creation time of its session. */
    private long handshake(SSLContext client) throws Exception {
        try (SSLSocket socket = (SSLSocket) client.getSocketFactory().createSocket("127.0.0.1", door.httpsPort())) {
            socket.setSoTimeout(10_000);
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setServerNames(List.of(new SNIHostName("resume.test")));
            socket.setSSLParameters(parameters);
            socket.getOutputStream().write("GET /none HTTP/1.1\r\nHost: resume.test\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            socket.getInputStream().readAllBytes(); // the ticket, if any, comes after the handshake
            return socket.getSession().getCreationTime();
        }
    }

    @Test
    void https_withConscryptServingTls_isProxiedAlike() throws Exception {
        door.close();
        door = new CoreDoor(TestGatewayConfig.loopback(dir.resolve("conscrypt")).adminKey(KEY).tlsProvider(TlsProvider.CONSCRYPT));
        admin = door.admin();
        assertEquals(TlsProvider.CONSCRYPT, ((CoreDoor) door).gateway().tlsProvider());
        requestHeaders_crossAsTheRulesSay(Protocol.H2);
        bodies_streamBothWays_byteForByte(Protocol.HTTPS_1_1);
    }

    @Test
    void metricsListener_tellsConnectionStates_andIsOffWhenAskedSo() throws Exception {
        PrometheusText.assumeParser();
        try (Socket idle = new Socket("127.0.0.1", door.httpPort())) {
            idle.setSoTimeout(10_000);
            idle.getOutputStream().write("GET /nowhere HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = idle.getInputStream();
            byte[] answer = new byte[4096];
            assertTrue(new String(answer, 0, in.read(answer), StandardCharsets.US_ASCII).startsWith("HTTP/1.1 404"));
            List<Sample> samples = PrometheusText.parse(door.scrape("text/plain").body(), Format.TEXT);
            double accepted = state(samples, "accepted");
            assertTrue(accepted >= 1, "the open connection was accepted");
            assertEquals(accepted, state(samples, "handled"));
            assertTrue(state(samples, "active") >= 1, "and is still open");
            assertEquals(0, state(samples, "writing"), "no request is being handled");
            assertEquals(state(samples, "active"), state(samples, "waiting"), "so every open connection waits");
            assertEquals(0, state(samples, "reading"));
        }
        door.close();
        door = new CoreDoor(TestGatewayConfig.loopback(dir.resolve("no-metrics")).adminKey(KEY).metrics(false));
        admin = door.admin();
        assertEquals(-1, ((CoreDoor) door).gateway().metricsPort());
    }

    private static double state(List<Sample> samples, String state) {
        return PrometheusText.value(samples, "apisix_nginx_http_current_connections", Map.of("state", state));
    }
}
