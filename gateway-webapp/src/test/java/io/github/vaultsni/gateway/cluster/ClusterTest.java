package io.github.vaultsni.gateway.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.vaultsni.gateway.Gateway;
import io.github.vaultsni.gateway.TestGatewayConfig;
import io.github.vaultsni.gateway.admin.AdminTestClient;
import io.github.vaultsni.gateway.proxy.TestUpstream;
import io.github.vaultsni.gateway.store.EtcdConnection;
import io.github.vaultsni.gateway.store.EtcdServer;
import io.github.vaultsni.testsupport.TestPki;
import io.github.vaultsni.testsupport.TestPki.Issued;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Two gateway nodes sharing one real etcd: what one node is told, the other serves; etcd outages cost nothing. */
@Timeout(120)
class ClusterTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "cluster-admin-key";
    private static final String SHARED_ENCRYPTION_KEY = Base64.getEncoder().encodeToString(new byte[32]);

    @TempDir
    Path dir;
    private EtcdServer etcd;
    private final List<Gateway> nodes = new ArrayList<>();
    private TestUpstream upstream;
    private Issued root;

    @BeforeEach
    void start() throws Exception {
        etcd = new EtcdServer(dir.resolve("etcd")).start();
        for (String name : List.of("a", "b")) {
            nodes.add(node(name, SHARED_ENCRYPTION_KEY));
        }
        upstream = new TestUpstream("u");
        root = TestPki.rootCa("ROOTCA", "EC");
    }

    @AfterEach
    void stop() throws Exception {
        nodes.forEach(Gateway::close);
        if (upstream != null) {
            upstream.close();
        }
        if (etcd != null) {
            etcd.close();
        }
    }

    private Gateway node(String name, String encryptionKey) throws Exception {
        return Gateway.start(TestGatewayConfig.loopback(dir.resolve(name)).etcd(EtcdConnection.of(etcd.endpoints(), ""))
                .encryptionKey(encryptionKey).adminKey(KEY).build());
    }

    @Test
    void aNodeWithAnotherEncryptionKey_servesNothingItCannotDecrypt_andABadSslObjectByHandKeepsTheGoodOne()
            throws Exception {
        Issued cert = root.leaf("EC", "keys.test.com");
        put(nodes.get(0), "ssls/k", JSON.createObjectNode().put("sni", "keys.test.com").put("cert", cert.certificatePem())
                .put("key", cert.privateKeyPem()).toString());
        await().atMost(Duration.ofSeconds(5)).until(() -> cert.certificate().equals(served(nodes.get(1), "keys.test.com")));

        byte[] anotherKey = new byte[32];
        java.util.Arrays.fill(anotherKey, (byte) 7);
        Gateway stranger = node("c", Base64.getEncoder().encodeToString(anotherKey));
        nodes.add(stranger);
        assertNotEquals(cert.certificate(), served(stranger, "keys.test.com"));
        assertTrue(testLog().contains("cannot apply /apisix/ssls/k (PUT): a stored secret cannot be decrypted"));

        etcd.etcdctl("put", "/apisix/ssls/k", "{\"sni\":\"keys.test.com\"}");
        etcd.etcdctl("put", "/apisix/routes/probe", "{\"uri\":\"/probe\",\"upstream\":{\"nodes\":{\"" + upstream.node() + "\":1}}}");
        await().atMost(Duration.ofSeconds(20))
                .until(() -> nodes.stream().allMatch(node -> get(node, "/probe").startsWith("HTTP/1.1 200")));
        for (Gateway node : nodes.subList(0, 2)) {
            assertEquals(cert.certificate(), served(node, "keys.test.com"), "the good certificate stays");
        }
        assertTrue(testLog().contains("cannot apply /apisix/ssls/k (PUT): ssl k: cert and key are required"));
    }

    private static String testLog() throws java.io.IOException {
        return Files.readString(Path.of("target", "test-log.txt"));
    }

    private void put(Gateway node, String path, String body) {
        AdminTestClient.Answer a = new AdminTestClient(node.adminPort(), KEY).call("PUT", path, body);
        assertTrue(a.status() == 200 || a.status() == 201, a::toString);
    }

    @Test
    void writtenThroughA_servedByB_throughAnEtcdOutage_andHandWrittenChangesFollow() throws Exception {
        Gateway a = nodes.get(0);
        Gateway b = nodes.get(1);
        Issued cert = root.leaf("EC", "cluster.test.com");
        put(a, "ssls/c", JSON.createObjectNode().put("sni", "cluster.test.com").put("cert", cert.certificatePem())
                .put("key", cert.privateKeyPem()).toString());
        put(a, "routes/r", "{\"uri\":\"/r\",\"upstream\":{\"nodes\":{\"" + upstream.node() + "\":1}}}");
        await("node B serves A's writes within 1 s").atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(20))
                .until(() -> cert.certificate().equals(served(b, "cluster.test.com")) && get(b, "/r").startsWith("HTTP/1.1 200"));

        // etcd away for 20 s: both nodes keep serving, not one request fails.
        etcd.stop();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        int requests = 0;
        while (System.nanoTime() < until) {
            for (Gateway node : nodes) {
                assertEquals(cert.certificate(), served(node, "cluster.test.com"));
                String response = get(node, "/r");
                assertTrue(response.startsWith("HTTP/1.1 200"), response);
                requests++;
            }
            Thread.sleep(100); // not a wait: paces the probes through the 20 s outage
        }
        assertTrue(requests > 100, requests + " requests");

        // etcd back: a route written by hand with etcdctl reaches both nodes.
        etcd.start();
        etcd.etcdctl("put", "/apisix/routes/hand", "{\"id\":\"hand\",\"uri\":\"/hand\",\"upstream\":{\"nodes\":{\""
                + upstream.node() + "\":1}}}");
        await().atMost(Duration.ofSeconds(20))
                .until(() -> nodes.stream().allMatch(node -> get(node, "/hand").startsWith("HTTP/1.1 200")));

        // A bad value written by hand is rejected in one log line and does not replace the good route.
        etcd.etcdctl("put", "/apisix/routes/r", "this is not json");
        etcd.etcdctl("put", "/apisix/routes/probe", "{\"uri\":\"/probe\",\"upstream\":{\"nodes\":{\"" + upstream.node() + "\":1}}}");
        await().atMost(Duration.ofSeconds(20))
                .until(() -> nodes.stream().allMatch(node -> get(node, "/probe").startsWith("HTTP/1.1 200")));
        for (Gateway node : nodes) {
            assertTrue(get(node, "/r").startsWith("HTTP/1.1 200"), "the good /r route stays");
        }
        String log = testLog();
        assertTrue(log.contains("route r at revision") && log.contains("rejected (not JSON); keeping its previous version"), log);
        assertFalse(log.contains("this is not json"), "the bad value itself is not logged");
    }

    private X509Certificate served(Gateway node, String sni) {
        try (SSLSocket socket = socket(node, sni)) {
            socket.startHandshake();
            X509Certificate leaf = (X509Certificate) socket.getSession().getPeerCertificates()[0];
            socket.getSession().invalidate();
            return leaf;
        } catch (java.io.IOException e) {
            return null;
        }
    }

    private String get(Gateway node, String path) {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", node.httpPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: cluster.test.com\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

    private SSLSocket socket(Gateway node, String sni) throws java.io.IOException {
        SSLSocket socket = (SSLSocket) TestPki.clientContext(root, null).getSocketFactory().createSocket("127.0.0.1", node.httpsPort());
        socket.setSoTimeout(10_000);
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setServerNames(List.of(new SNIHostName(sni)));
        socket.setSSLParameters(parameters);
        return socket;
    }
}
