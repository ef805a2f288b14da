package io.github.vaultsni.gateway.certificates;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.vaultsni.gateway.Gateway;
import io.github.vaultsni.gateway.TestGatewayConfig;
import io.github.vaultsni.gateway.admin.AdminTestClient;
import io.github.vaultsni.testsupport.SilentServer;
import io.github.vaultsni.testsupport.TestPki;
import io.github.vaultsni.testsupport.TestPki.Issued;
import io.github.vaultsni.testsupport.TlsClients;
import io.github.vaultsni.vaulttest.VaultHttp;
import io.github.vaultsni.vaulttest.VaultTestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What an SSL object serves through each transition of its state machine, as a user drives them through the
 * admin API of {@code gateway.jar}, each checked with real handshakes (the JDK's client and {@code openssl
 * s_client}) on the served leaf: a replacement by an object whose Vault hangs stops serving the old certificate,
 * a DELETE serves nothing, issued gives way to inline, an on-demand wildcard's names go with it, a failed refresh
 * keeps the last good certificate, and a Vault that hangs parks the handshakes that wait for it without a thread
 * while every other name is served.
 */
@Timeout(120)
class SslObjectLifecycleTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ADMIN = "lifecycle-admin-key";
    private static final String ROOT = "lifecycle-root";
    private static final Issued INLINE_ROOT = TestPki.rootCa("INLINE-ROOT", "EC");

    @TempDir
    Path dir;
    private VaultTestServer vault;
    private SilentServer silent;
    private Gateway gateway;
    private SSLContext client;
    private String vaultCaPem;

    @BeforeEach
    void start() throws Exception {
        vault = VaultTestServer.builder().rootToken(ROOT).start();
        VaultHttp http = new VaultHttp(vault.address());
        vaultCaPem = http.enablePki(ROOT, "pki");
        http.expect(200, "POST", "pki/roles/gateway", ROOT, Map.of("allowed_domains", List.of("internal.test"),
                "allow_subdomains", true, "key_type", "ec", "max_ttl", "720h"));
        http.enableKv(ROOT, "kv", 1);
        silent = SilentServer.start();
        client = TlsClients.trusting(vaultCaPem.strip() + "\n" + INLINE_ROOT.certificatePem());
        gateway = Gateway.start(TestGatewayConfig.loopback(dir.resolve("data")).adminKey(ADMIN).build());
        put("secrets/vault/pki-vault", JSON.createObjectNode().put("uri", vault.address()).put("prefix", "kv")
                .put("token", ROOT));
        put("secrets/vault/hanging-vault", JSON.createObjectNode().put("uri", silent.address()).put("prefix", "kv")
                .put("token", ROOT).put("timeout", 5));
    }

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        silent.close();
        vault.close();
    }

    @Test
    void inlineReplacedByAnIssuerWhoseVaultHangs_isNoLongerServed_andADeleteServesNothing() throws Exception {
        Issued inline = INLINE_ROOT.leaf("EC", "*.wild.internal.test");
        put("ssls/wild", inline("*.wild.internal.test", inline));
        await().atMost(Duration.ofSeconds(2)).until(() -> inline.certificate().equals(leaf("a.wild.internal.test")));

        put("ssls/wild", issuer("*.wild.internal.test", "hanging-vault", "500ms"));
        await().atMost(Duration.ofSeconds(2)).until(() -> !inline.certificate().equals(leaf("a.wild.internal.test")));
        assertNull(leaf("b.wild.internal.test"), "nothing is issued while Vault hangs, and the old one is gone");
        String openssl = openssl("c.wild.internal.test");
        assertTrue(!openssl.contains("INLINE-ROOT"), "openssl sees no inline certificate either: " + openssl);

        assertEquals(200, admin().call("DELETE", "ssls/wild", null).status());
        assertNull(leaf("a.wild.internal.test"), "deleted: nothing served, at once");
        assertNull(leaf("d.wild.internal.test"));
    }

    @Test
    void issuedReplacedByInline_servesTheInlineCertificate() throws Exception {
        put("ssls/api", issuer("api.internal.test", "pki-vault", "3s"));
        await().atMost(Duration.ofSeconds(5)).until(() -> leaf("api.internal.test") != null);
        X509Certificate issued = leaf("api.internal.test");
        assertEquals("CN=Internal Root", issued.getIssuerX500Principal().getName());

        Issued inline = INLINE_ROOT.leaf("EC", "api.internal.test");
        put("ssls/api", inline("api.internal.test", inline));
        await().atMost(Duration.ofSeconds(2)).until(() -> inline.certificate().equals(leaf("api.internal.test")));
        String openssl = openssl("api.internal.test");
        assertTrue(openssl.contains("INLINE-ROOT"), openssl);
    }

    @Test
    void anOnDemandWildcardObjectDeleted_itsNamesAreNoLongerServed() throws Exception {
        put("ssls/svc", issuer("*.svc.internal.test", "pki-vault", "3s"));
        X509Certificate issued = leaf("a.svc.internal.test");
        assertNotNull(issued, "issued on its first handshake");
        assertEquals(issued, leaf("a.svc.internal.test"));

        assertEquals(200, admin().call("DELETE", "ssls/svc", null).status());
        assertNull(leaf("a.svc.internal.test"), "an issued name goes with its object");
        assertNull(leaf("b.svc.internal.test"), "and no new name is issued");
        long signs = vault.count("POST", "/v1/pki/sign/gateway");
        assertEquals(1, signs);
    }

    @Test
    void aFailedRefreshOfACurrentObject_keepsServingItsLastGoodCertificate() throws Exception {
        Issued stored = INLINE_ROOT.leaf("EC", "kv.internal.test");
        new VaultHttp(vault.address()).putSecret(ROOT, 1, "kv", "ssl", Map.of("crt", stored.certificatePem(),
                "key", stored.privateKeyPem()));
        put("ssls/kv", JSON.createObjectNode().put("sni", "kv.internal.test")
                .put("cert", "$secret://vault/pki-vault/ssl/crt").put("key", "$secret://vault/pki-vault/ssl/key"));
        await().atMost(Duration.ofSeconds(5)).until(() -> stored.certificate().equals(leaf("kv.internal.test")));

        // The secret object moves to a Vault that does not answer: every value it reads is fetched again, and fails.
        put("secrets/vault/pki-vault", JSON.createObjectNode().put("uri", silent.address()).put("prefix", "kv")
                .put("token", ROOT).put("timeout", 1));
        await().atMost(Duration.ofSeconds(10)).until(() -> silent.connections() > 0);
        Thread.sleep(1500); // not a wait for a condition: past the fetch's 1 s timeout, which must change nothing
        assertEquals(stored.certificate(), leaf("kv.internal.test"), "stale-if-error: the last good certificate stays");
        assertEquals("ACTIVE", admin().call("GET", "ssls/kv/status", null).json().path("state").asText());
    }

    @Test
    void aVaultThatHangs_parksItsHandshakesWithoutAThread_whileEveryOtherNameIsServed() throws Exception {
        Issued other = INLINE_ROOT.leaf("EC", "static.internal.test");
        put("ssls/static", inline("static.internal.test", other));
        put("ssls/hang", issuer("*.hang.internal.test", "hanging-vault", "3s"));
        await().atMost(Duration.ofSeconds(2)).until(() -> other.certificate().equals(leaf("static.internal.test")));

        ExecutorService clients = Executors.newFixedThreadPool(200);
        try {
            List<CompletableFuture<Long>> parked = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                String name = "abcd".charAt(i % 4) + ".hang.internal.test";
                parked.add(CompletableFuture.supplyAsync(() -> {
                    long began = System.nanoTime();
                    assertNull(leaf(name), "Vault hangs: " + name + " is refused in the end");
                    return System.nanoTime() - began;
                }, clients));
            }
            Thread.sleep(500); // not a wait for a condition: lets the 200 handshakes reach the gateway and park
            long began = System.nanoTime();
            assertEquals(other.certificate(), leaf("static.internal.test"));
            long staticMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began);
            assertTrue(staticMillis < 1_000, "a static name waited " + staticMillis + " ms");
            List<String> waiting = serverThreadsWaitingOnVaultSni();
            assertEquals(List.of(), waiting, "server threads waiting on issuance");

            for (CompletableFuture<Long> handshake : parked) {
                long millis = TimeUnit.NANOSECONDS.toMillis(handshake.get(30, TimeUnit.SECONDS));
                // the wait's 3 s, and slack for 200 handshakes on two cores beside the rest of the suite (4,064 ms
                // was seen): what this tells apart is an answer at the wait's end from one at an idle timeout (30 s)
                assertTrue(millis < 6_000, "a parked handshake was answered after " + millis + " ms (on_demand_wait 3 s)");
            }
        } finally {
            clients.shutdownNow();
        }
        assertTrue(silent.connections() <= 4, "one issuance per name at most: " + silent.connections());
        long before = silent.connections();
        long began = System.nanoTime();
        assertNull(leaf("e.hang.internal.test"));
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began) < 1_000,
                "the breaker is open: a new name is refused at once");
        assertEquals(before, silent.connections(), "and Vault is not asked");
    }

    /** The gateway's server threads that are in this project's code or waiting on a future: none should be. */
    private static List<String> serverThreadsWaitingOnVaultSni() {
        List<String> waiting = new ArrayList<>();
        for (ThreadInfo thread : ManagementFactory.getThreadMXBean().dumpAllThreads(false, false)) {
            if (!thread.getThreadName().startsWith("gateway-proxy")) {
                continue;
            }
            boolean inOurs = Arrays.stream(thread.getStackTrace()).anyMatch(frame ->
                    frame.getClassName().startsWith("io.github.vaultsni.sni")
                            || frame.getClassName().startsWith("io.github.vaultsni.registry")
                            || frame.getClassName().equals("java.util.concurrent.CompletableFuture")
                            && (frame.getMethodName().equals("get") || frame.getMethodName().equals("join")));
            if (inOurs && thread.getThreadState() != Thread.State.RUNNABLE) {
                waiting.add(thread.getThreadName() + " " + thread.getThreadState() + " "
                        + Arrays.toString(Arrays.copyOf(thread.getStackTrace(), Math.min(8, thread.getStackTrace().length))));
            }
        }
        return waiting;
    }

    private static ObjectNode inline(String sni, Issued leaf) {
        return JSON.createObjectNode().put("sni", sni).put("cert", leaf.certificatePem()).put("key", leaf.privateKeyPem());
    }

    private static ObjectNode issuer(String sni, String secretId, String onDemandWait) {
        ObjectNode ssl = JSON.createObjectNode();
        ssl.putArray("snis").add(sni);
        ssl.putObject("issuer").putObject("vault_pki").put("secret_id", secretId).put("role", "gateway")
                .put("on_demand_wait", onDemandWait);
        return ssl;
    }

    private AdminTestClient admin() {
        return new AdminTestClient(gateway.adminPort(), ADMIN);
    }

    private void put(String path, ObjectNode body) {
        AdminTestClient.Answer answer = admin().call("PUT", path, body.toString());
        assertTrue(answer.status() < 300, answer::toString);
    }

    /** The leaf the HTTPS listener serves for {@code sni}, or null when the handshake is refused. */
    private X509Certificate leaf(String sni) {
        return TlsClients.servedLeaf(client, gateway.httpsPort(), sni);
    }

    private String openssl(String sni) throws Exception {
        boolean present = Files.isExecutable(Path.of("/usr/bin/openssl"));
        if (!present && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("openssl is missing on CI: .ci/run should have installed it");
        }
        Assumptions.assumeTrue(present, "openssl is not installed: skipping (.ci/run installs it)");
        Process process = new ProcessBuilder("openssl", "s_client", "-connect", "127.0.0.1:" + gateway.httpsPort(),
                "-servername", sni).redirectErrorStream(true).start();
        process.getOutputStream().close();
        assertTrue(process.waitFor(20, TimeUnit.SECONDS), "openssl s_client finished");
        return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
}
