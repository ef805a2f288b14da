package io.github.vaultsni.gateway.store;

import io.github.vaultsni.testsupport.TestPki;
import io.github.vaultsni.testsupport.TestPki.Issued;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A production-like etcd: TLS with client certificates and etcd's auth on, the gateway a user allowed only
 * {@code /apisix/}. The store connects with the cluster's options, and each wrong option is a clear refusal.
 */
@Timeout(120)
class SecuredEtcdConfigStoreTest {
    @TempDir
    static Path dir;
    private static EtcdServer etcd;
    private static EtcdServer.Tls client;

    @BeforeAll
    static void startSecuredEtcd() throws Exception {
        Issued root = TestPki.rootCa("etcd test CA", "EC");
        Path ca = write("ca.pem", root.certificatePem());
        Issued server = root.leaf("EC", "127.0.0.1");
        Issued node = root.leaf("EC", "gateway-node");
        client = new EtcdServer.Tls(ca, write("node.pem", node.certificatePem()), write("node-key.pem", node.privateKeyPem()));
        etcd = new EtcdServer(dir.resolve("etcd")).withTls(
                new EtcdServer.Tls(ca, write("server.pem", server.certificatePem()), write("server-key.pem", server.privateKeyPem())),
                client).start();
        etcd.etcdctl("user", "add", "root", "--new-user-password=root-pw");
        etcd.etcdctl("role", "add", "gateway");
        etcd.etcdctl("role", "grant-permission", "gateway", "--prefix=true", "readwrite", "/apisix/");
        etcd.etcdctl("user", "add", "gateway", "--new-user-password=gateway-pw");
        etcd.etcdctl("user", "grant-role", "gateway", "gateway");
        etcd.etcdctl("auth", "enable");
        etcd.etcdctlUser("root:root-pw");
    }

    @AfterAll
    static void stopEtcd() throws Exception {
        if (etcd != null) {
            etcd.close();
        }
    }

    private static EtcdConnection connection(String password, EtcdServer.Tls tls) {
        return EtcdConnection.of(etcd.endpoints(), "").withUser("gateway", password)
                .withTls(tls.ca(), tls.certificate(), tls.key());
    }

    @Test
    void withTheClusterOptions_writesAndWatchesWork() throws Exception {
        try (EtcdConfigStore store = EtcdConfigStore.open(connection("gateway-pw", client))) {
            store.update("/apisix/ssls/tls", c -> "{\"v\":1}");
            assertTrue(etcd.etcdctl("get", "/apisix/ssls/tls").contains("{\"v\":1}"));
            etcd.etcdctl("put", "/apisix/routes/tls", "{\"uri\":\"/t\"}");
            await().atMost(EtcdConfigStoreTest.ETCD_CHANGE).until(() -> store.get("/apisix/routes/tls").isPresent());
        }
    }

    @Test
    void aWrongPassword_isRefusedWithEtcdsReason_andThePasswordIsNotInIt() {
        ConfigStore.UnavailableException e = assertThrows(ConfigStore.UnavailableException.class,
                () -> EtcdConfigStore.open(connection("not-the-password", client)));
        assertTrue(e.getMessage().contains("authentication failed"), e.getMessage());
        assertFalse(e.getMessage().contains("not-the-password"), e.getMessage());
    }

    @Test
    void withoutAClientCertificate_theConnectionIsRefused() {
        ConfigStore.UnavailableException e = assertThrows(ConfigStore.UnavailableException.class,
                () -> EtcdConfigStore.open(EtcdConnection.of(etcd.endpoints(), "").withUser("gateway", "gateway-pw")
                        .withTls(client.ca(), null, null)));
        // gRPC retries a refused handshake as "unavailable"; the node reports that etcd did not answer.
        assertEquals("etcd at " + etcd.endpoint() + " did not answer within 5000 ms", e.getMessage());
    }

    @Test
    void tlsFilesWithAnHttpEndpoint_orAUserWithoutPassword_failAtConfiguration() {
        IllegalArgumentException http = assertThrows(IllegalArgumentException.class, () ->
                EtcdConnection.of(List.of("http://127.0.0.1:2379"), "").withTls(client.ca(), null, null));
        assertEquals("etcd: TLS files are given but an endpoint is http://; use https://", http.getMessage());
        IllegalArgumentException user = assertThrows(IllegalArgumentException.class, () ->
                EtcdConnection.of(etcd.endpoints(), "").withUser("gateway", null));
        assertEquals("etcd: a user needs a password and a password needs a user", user.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () ->
                EtcdConnection.of(etcd.endpoints(), "").withTls(dir.resolve("no-such-ca.pem"), null, null));
        assertTrue(missing.getMessage().startsWith("etcd: cannot read "), missing.getMessage());
    }

    private static Path write(String name, String pem) throws Exception {
        return Files.writeString(dir.resolve(name), pem);
    }
}
