package io.github.vaultsni.gateway.certificates;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.vaultsni.gateway.Gateway;
import io.github.vaultsni.gateway.MetricsScrape;
import io.github.vaultsni.gateway.GatewayConfig;
import io.github.vaultsni.gateway.TestGatewayConfig;
import io.github.vaultsni.gateway.admin.AdminTestClient;
import io.github.vaultsni.gateway.store.EtcdConnection;
import io.github.vaultsni.gateway.store.EtcdServer;
import io.github.vaultsni.testsupport.TlsClients;
import io.github.vaultsni.vaulttest.VaultHttp;
import io.github.vaultsni.vaulttest.VaultTestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The admin API's SSL object with {@code issuer.vault_pki}, end to end: a secret object and an SSL object written
 * as an operator would, certificates served by SNI to {@code openssl s_client} and the JDK, the status, the store
 * (key encrypted), a restart without a Vault call, and two nodes on one etcd serving one certificate.
 */
@Timeout(180)
class IssuedCertificatesGatewayTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ADMIN = "issued-admin-key";
    private static final String ROOT = "issued-root";
    private static final String SSL = """
            {"snis": ["api.internal.test", "*.svc.internal.test"],
             "issuer": {"vault_pki": {"secret_id": "pki-vault", "role": "gateway", "ttl": "72h"}}}""";

    @TempDir
    Path dir;
    private VaultTestServer vault;
    private final List<AutoCloseable> closing = new ArrayList<>();
    private String caPem;
    private String token;

    @BeforeEach
    void vault() {
        vault = VaultTestServer.builder().rootToken(ROOT).start();
        VaultHttp http = new VaultHttp(vault.address());
        caPem = http.enablePki(ROOT, "pki");
        http.expect(200, "POST", "pki/roles/gateway", ROOT, Map.of("allowed_domains", List.of("internal.test"),
                "allow_subdomains", true, "key_type", "ec", "max_ttl", "720h"));
        http.writePolicy(ROOT, "gateway-pki", "path \"pki/sign/gateway\" { capabilities = [\"update\"] }");
        token = http.createToken(ROOT, List.of("gateway-pki"), null);
    }

    @AfterEach
    void stop() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
        vault.close();
    }

    private Gateway gateway(GatewayConfig.Builder config) throws Exception {
        Gateway gateway = Gateway.start(config.adminKey(ADMIN).build());
        closing.add(gateway);
        return gateway;
    }

    private static JsonNode call(Gateway gateway, String method, String path, String body) {
        AdminTestClient.Answer answer = new AdminTestClient(gateway.adminPort(), ADMIN).call(method, path, body);
        assertTrue(answer.status() < 300, answer::toString);
        return answer.json();
    }

    private void configure(Gateway gateway) {
        call(gateway, "PUT", "secrets/vault/pki-vault", JSON.createObjectNode().put("uri", vault.address())
                .put("prefix", "kv").put("token", token).toString());
        call(gateway, "PUT", "ssls/internal", SSL);
    }

    private static String scrape(Gateway gateway) {
        return MetricsScrape.of(gateway);
    }

    private long signs() {
        return vault.count("POST", "/v1/pki/sign/gateway");
    }

    @Test
    void anSslObjectWithAnIssuer_isServedToOpensslAndTheJdk_keptEncrypted_andAfterARestartWithoutVault() throws Exception {
        Path data = dir.resolve("data");
        Gateway gateway = gateway(TestGatewayConfig.loopback(data));
        configure(gateway);
        await().atMost(Duration.ofSeconds(2)).until(() -> leaf(gateway, "api.internal.test") != null);

        String openssl = openssl(gateway, "api.internal.test");
        assertTrue(openssl.contains("Verify return code: 0 (ok)"), openssl);
        assertTrue(openssl.contains("CN=Internal Root") || openssl.contains("CN = Internal Root"), openssl);
        X509Certificate onDemand = leaf(gateway, "a.svc.internal.test");
        assertEquals(List.of("a.svc.internal.test"), dnsNames(onDemand), "issued on its first handshake");

        JsonNode status = call(gateway, "GET", "ssls/internal/status", null);
        assertEquals("ACTIVE", status.get("state").asText(), status::toString);
        assertEquals(2, status.get("issued").size(), status::toString);
        String serial = serial(leaf(gateway, "api.internal.test"));
        assertTrue(status.toString().contains(serial), status::toString);
        String listing = call(gateway, "GET", "ssls", null).toString() + call(gateway, "GET", "ssls/internal", null);
        assertFalse(listing.contains("PRIVATE KEY") || listing.contains("BEGIN CERTIFICATE"), listing);
        String stored = Files.readString(data.resolve("store.log"), StandardCharsets.ISO_8859_1);
        assertTrue(stored.contains("/apisix/issued/internal/"), "issued certificates are kept in the store");
        assertFalse(stored.contains("PRIVATE KEY"), "their keys encrypted");

        long before = signs();
        gateway.close();
        Gateway restarted = gateway(TestGatewayConfig.loopback(data));
        assertEquals(serial, serial(leaf(restarted, "api.internal.test")), "served from the store at once");
        assertEquals(List.of("a.svc.internal.test"), dnsNames(leaf(restarted, "a.svc.internal.test")));
        assertEquals(before, signs(), "no Vault call after a restart");
        String metrics = scrape(restarted);
        assertTrue(metrics.contains("vault_sni_certificate_issuances_total{outcome=\"adopted\",ssl=\"internal\"} 2.0"),
                "both certificates adopted from the store: " + metrics);
        assertFalse(metrics.contains("outcome=\"issued\""), "none issued after the restart: " + metrics);

        String log = Files.readString(Path.of("target", "test-log.txt"));
        assertTrue(log.contains("issued certificate " + serial), "the log is where the test looks");
        assertFalse(log.contains("PRIVATE KEY") || log.contains(token), "no key nor token in the log");
    }

    @Test
    void twoNodesOnOneEtcd_serveOneCertificatePerName() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/etcd")) || !"true".equals(System.getenv("CI")),
                "etcd is installed on CI");
        EtcdServer etcd = new EtcdServer(dir.resolve("etcd")).start();
        closing.add(etcd);
        String sharedKey = Base64.getEncoder().encodeToString(new byte[32]);
        List<Gateway> nodes = new ArrayList<>();
        for (String name : List.of("a", "b")) {
            nodes.add(gateway(TestGatewayConfig.loopback(dir.resolve(name))
                    .etcd(EtcdConnection.of(etcd.endpoints(), "")).encryptionKey(sharedKey)));
        }
        configure(nodes.get(0));
        await().atMost(Duration.ofSeconds(10)).until(() -> nodes.stream().allMatch(n -> leaf(n, "api.internal.test") != null));
        await().atMost(Duration.ofSeconds(10)).until(() -> serial(leaf(nodes.get(0), "api.internal.test"))
                .equals(serial(leaf(nodes.get(1), "api.internal.test"))));
        X509Certificate a = leaf(nodes.get(0), "x.svc.internal.test");
        X509Certificate b = leaf(nodes.get(1), "x.svc.internal.test");
        assertEquals(serial(a), serial(b), "the second node adopts the first node's on-demand certificate");
        assertTrue(etcd.etcdctl("get", "--prefix", "--keys-only", "/apisix/issued/").contains("/apisix/issued/internal/@exact"));
    }

    /** The leaf served for {@code sni} by the JDK's TLS, trusting only Vault's CA; null when refused. */
    private X509Certificate leaf(Gateway gateway, String sni) {
        return TlsClients.servedLeaf(TlsClients.trusting(caPem), gateway.httpsPort(), sni);
    }

    private String openssl(Gateway gateway, String sni) throws Exception {
        boolean present = Files.isExecutable(Path.of("/usr/bin/openssl"));
        if (!present && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("openssl is missing on CI: .ci/run should have installed it");
        }
        Assumptions.assumeTrue(present, "openssl is not installed: skipping (.ci/run installs it)");
        Path ca = dir.resolve("vault-ca.pem");
        Files.writeString(ca, caPem);
        Process process = new ProcessBuilder("openssl", "s_client", "-connect", "127.0.0.1:" + gateway.httpsPort(),
                "-servername", sni, "-CAfile", ca.toString(), "-showcerts").redirectErrorStream(true).start();
        process.getOutputStream().close();
        assertTrue(process.waitFor(20, TimeUnit.SECONDS), "openssl s_client finished");
        return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    private static List<String> dnsNames(X509Certificate certificate) throws Exception {
        return certificate.getSubjectAlternativeNames().stream().filter(n -> (Integer) n.get(0) == 2)
                .map(n -> (String) n.get(1)).toList();
    }

    private static String serial(X509Certificate certificate) {
        return certificate == null ? "none" : HexFormat.ofDelimiter(":").formatHex(certificate.getSerialNumber().toByteArray());
    }
}
