package io.github.vaultsni.gateway;

import io.github.vaultsni.gateway.admin.AdminTestClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The embedded gateway as a Jetty {@code LifeCycle}: a start that fails part way stops what it started (the data
 * directory's lock, the listeners), so a second start in the same JVM works; {@code dump()} shows the tree.
 */
@Timeout(60)
class GatewayTest {
    private static final String ADMIN = "lifecycle-admin";

    @TempDir
    Path dir;

    @Test
    void aStartThatFailsOnItsKey_releasesTheDataDirectory_andTheNextStartInThisJvmWorks() throws Exception {
        Path data = dir.resolve("data");
        GatewayConfig badKey = TestGatewayConfig.loopback(data).adminKey(ADMIN).encryptionKey("not a key").build();
        Exception failed = assertThrows(Exception.class, () -> Gateway.start(badKey));
        assertTrue(String.valueOf(failed.getMessage()).contains("key"), failed::toString);

        String key = Base64.getEncoder().encodeToString(new byte[32]);
        try (Gateway gateway = Gateway.start(TestGatewayConfig.loopback(data).adminKey(ADMIN).encryptionKey(key).build())) {
            assertEquals(200, new AdminTestClient(gateway.adminPort(), ADMIN).call("GET", "routes", null).status());
        }
    }

    @Test
    void aStartThatFailsOnAPortInUse_stopsTheCore_andTheNextStartWorks() throws Exception {
        Path data = dir.resolve("data");
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            GatewayConfig clash = TestGatewayConfig.loopback(data).adminKey(ADMIN).httpsPort(taken.getLocalPort()).build();
            assertThrows(Exception.class, () -> Gateway.start(clash));
        }
        try (Gateway gateway = Gateway.start(TestGatewayConfig.loopback(data).adminKey(ADMIN).build())) {
            assertTrue(gateway.isStarted());
        }
    }

    @Test
    void dump_showsTheRuntimesParts() throws Exception {
        try (Gateway gateway = Gateway.start(TestGatewayConfig.loopback(dir.resolve("data")).adminKey(ADMIN).build())) {
            String dump = gateway.dump();
            for (String part : new String[]{"GatewayCore", "FileConfigStore", "VaultSniRuntime", "SecretResolver",
                    "SslObjectRegistry", "vault-sni", "CertificateConfigApplier", "RouteConfigApplier",
                    "sni-client-hello"}) {
                assertTrue(dump.contains(part), part + " in\n" + dump);
            }
            assertFalse(dump.contains(ADMIN), "no key in the dump");
        }
    }
}
