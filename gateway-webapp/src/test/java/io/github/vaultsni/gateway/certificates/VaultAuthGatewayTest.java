package io.github.vaultsni.gateway.certificates;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.vaultsni.gateway.Gateway;
import io.github.vaultsni.gateway.MetricsScrape;
import io.github.vaultsni.gateway.TestGatewayConfig;
import io.github.vaultsni.gateway.admin.AdminTestClient;
import io.github.vaultsni.testsupport.TestPki;
import io.github.vaultsni.testsupport.TestPki.Issued;
import io.github.vaultsni.testsupport.TlsClients;
import io.github.vaultsni.vaulttest.SelfSignedTls;
import io.github.vaultsni.vaulttest.TestJwts;
import io.github.vaultsni.vaulttest.TokenReviewServer;
import io.github.vaultsni.vaulttest.VaultHttp;
import io.github.vaultsni.vaulttest.VaultTestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A secret object that logs in with a Kubernetes service account, written through the gateway's admin API: its
 * certificate is served by SNI, its status says how it authenticates and when its token expires, and a wrong role
 * shows in that status and in the meters, never with the token or the JWT.
 */
@Timeout(120)
class VaultAuthGatewayTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ADMIN = "auth-admin-key";
    private static final String ROOT = "auth-root";
    private static final Issued CA = TestPki.rootCa("AUTH-ROOT", "EC");

    @TempDir
    Path dir;
    private VaultTestServer vault;
    private TokenReviewServer reviews;
    private Gateway gateway;

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        reviews.close();
        vault.close();
    }

    @Test
    void aKubernetesLogin_servesItsCertificate_andItsStatusAndMetersTellHowItAuthenticates() throws Exception {
        vault = VaultTestServer.builder().rootToken(ROOT).start();
        reviews = TokenReviewServer.start();
        VaultHttp http = new VaultHttp(vault.address());
        http.enableKv(ROOT, "kv", 1);
        http.writePolicy(ROOT, "gateway", "path \"kv/apisix/*\" { capabilities = [\"read\"] }\n");
        Issued leaf = CA.leaf("EC", "k8s.internal.test");
        http.putSecret(ROOT, 1, "kv", "apisix/ssl", Map.of("crt", leaf.certificatePem(), "key", leaf.privateKeyPem()));
        http.enableAuth(ROOT, "k8s", "kubernetes");
        http.kubernetesRole(ROOT, "k8s", "gateway", reviews.address(), SelfSignedTls.create().certificatePem(),
                "edge", "gateway", List.of("gateway"), "1h");
        String jwt = new TestJwts().serviceAccountToken("edge", "gateway", "uid-7", "vault", Duration.ofHours(1));
        reviews.accept(jwt, "edge", "gateway", "uid-7");
        Path jwtFile = Files.writeString(dir.resolve("sa-token"), jwt);
        gateway = Gateway.start(TestGatewayConfig.loopback(dir.resolve("data")).adminKey(ADMIN).build());

        put("secrets/vault/k8s", secret().set("auth", JSON.createObjectNode().put("method", "kubernetes")
                .put("role", "gateway").put("mount", "k8s").put("jwt_file", jwtFile.toString())));
        put("ssls/k8s", JSON.createObjectNode().put("sni", "k8s.internal.test")
                .put("cert", "$secret://vault/k8s/ssl/crt").put("key", "$secret://vault/k8s/ssl/key"));
        await().atMost(Duration.ofSeconds(5)).until(() -> leaf.certificate().equals(
                TlsClients.servedLeaf(TlsClients.trusting(CA.certificatePem()), gateway.httpsPort(), "k8s.internal.test")));
        assertEquals(List.of(jwt), reviews.reviewed());

        AdminTestClient.Answer status = admin().call("GET", "secrets/vault/k8s/status", null);
        assertEquals(200, status.status(), status::toString);
        JsonNode auth = status.json().get("auth");
        assertEquals("kubernetes", auth.get("method").asText());
        assertEquals(Map.of("role", "gateway", "mount", "k8s", "jwt_file", jwtFile.toString()),
                JSON.convertValue(auth.get("settings"), Map.class));
        assertTrue(auth.get("token").get("expires_at").asLong() > System.currentTimeMillis() / 1000 + 3000,
                status::toString);
        assertEquals(1, auth.get("logins").get("attempts").asInt());
        assertTrue(status.json().get("reachable").asBoolean());

        put("secrets/vault/wrong", secret().set("auth", JSON.createObjectNode().put("method", "kubernetes")
                .put("role", "nobody").put("mount", "k8s").put("jwt_file", jwtFile.toString())));
        put("ssls/wrong", JSON.createObjectNode().put("sni", "wrong.internal.test")
                .put("cert", "$secret://vault/wrong/ssl/crt").put("key", "$secret://vault/wrong/ssl/key"));
        JsonNode refused = await().atMost(Duration.ofSeconds(5)).until(
                () -> admin().call("GET", "secrets/vault/wrong/status", null).json().get("auth"),
                a -> a.get("logins").get("failures").asInt() > 0);
        JsonNode failure = refused.get("logins").get("last_failure");
        assertEquals("auth_failed", failure.get("kind").asText());
        assertEquals("Vault answered 400 logging in with Kubernetes role nobody at auth/k8s: invalid role name "
                + "\"nobody\"", failure.get("message").asText());
        assertTrue(refused.get("token").isNull());

        String metrics = scrape();
        assertTrue(metrics.contains("vault_sni_vault_authenticated{method=\"kubernetes\",secret_object=\"vault/k8s\"} 1.0"),
                metrics);
        assertTrue(metrics.contains("vault_sni_vault_authenticated{method=\"kubernetes\",secret_object=\"vault/wrong\"} 0.0"),
                metrics);
        assertTrue(metrics.contains("vault_sni_vault_login_failures_total{method=\"kubernetes\",secret_object=\"vault/wrong\"}"),
                metrics);
        String everything = admin().call("GET", "secrets/vault/k8s/status", null) + metrics
                + admin().call("GET", "secrets/vault/k8s", null) + admin().call("GET", "secrets/vault/wrong/status", null);
        assertFalse(everything.contains(jwt), "no JWT in a status, a GET or a meter");
        assertFalse(everything.contains("hvs."), "no Vault token in a status, a GET or a meter");
    }

    private ObjectNode secret() {
        return JSON.createObjectNode().put("uri", vault.address()).put("prefix", "kv/apisix");
    }

    private AdminTestClient admin() {
        return new AdminTestClient(gateway.adminPort(), ADMIN);
    }

    private void put(String path, ObjectNode body) {
        admin().write("PUT", path, body.toString());
    }

    private String scrape() {
        return MetricsScrape.of(gateway);
    }
}
