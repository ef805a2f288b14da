package io.github.vaultsni.gateway.proxy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.vaultsni.gateway.route.Upstream;
import io.github.vaultsni.pem.Pem;
import io.github.vaultsni.sni.SniEntry;
import io.github.vaultsni.testsupport.TestPki;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.util.thread.Invocable;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * One upstream client per TLS verification setting, whatever the client certificates: two certificates, a
 * rotation and a deletion make no client (the design this replaced made one per certificate and generation, each
 * with selectors on the door's pool, and never stopped those of a deleted object).
 */
class UpstreamClientsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Map<String, SniEntry> clientObjects = new ConcurrentHashMap<>();
    private final QueuedThreadPool pool = new QueuedThreadPool();
    private UpstreamClients clients;

    private static SniEntry entry(String id, long generation) {
        TestPki.Issued leaf = TestPki.rootCa("CA", "EC").leaf("EC", id);
        return SniEntry.builder(id).keys(List.of(Pem.decodeCertifiedKey("cert", leaf.certificatePem(), "key",
                leaf.privateKeyPem(), null))).generation(generation).build();
    }

    private static Upstream upstream(String tls) throws Exception {
        return Upstream.of("u", JSON.readTree("{\"scheme\":\"https\",\"nodes\":{\"127.0.0.1:1\":1}" + (tls == null ? "" : ",\"tls\":" + tls) + "}"));
    }

    @AfterEach
    void stop() throws Exception {
        clients.close();
        pool.stop();
    }

    @Test
    void oneClientPerVerificationSetting_whateverTheCertificates() throws Exception {
        pool.start();
        clients = new UpstreamClients(pool, new org.eclipse.jetty.io.ArrayByteBufferPool(), Invocable.InvocationType.NON_BLOCKING, id -> Optional.ofNullable(clientObjects.get(id)));
        clientObjects.put("a", entry("a", 1));
        clientObjects.put("b", entry("b", 2));
        HttpClient unverified = clients.shared();
        assertSame(unverified, clients.forUpstream(upstream(null)).orElseThrow());
        assertSame(unverified, clients.forUpstream(upstream("{\"client_cert_id\":\"a\"}")).orElseThrow());
        assertSame(unverified, clients.forUpstream(upstream("{\"client_cert_id\":\"b\"}")).orElseThrow());
        HttpClient verifying = clients.forUpstream(upstream("{\"verify\":true}")).orElseThrow();
        assertNotSame(unverified, verifying);
        assertSame(verifying, clients.forUpstream(upstream("{\"verify\":true,\"client_cert_id\":\"a\"}")).orElseThrow());

        clientObjects.put("a", entry("a", 3)); // rotated
        assertSame(unverified, clients.forUpstream(upstream("{\"client_cert_id\":\"a\"}")).orElseThrow());
        clientObjects.remove("a"); // deleted
        assertEquals(Optional.empty(), clients.forUpstream(upstream("{\"client_cert_id\":\"a\"}")),
                "no certificate, no request: the door answers 502");
    }
}
