package io.github.vaultsni.revocation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.vaultsni.pem.Pem;
import io.github.vaultsni.secret.SecretResolver;
import io.github.vaultsni.testsupport.TestPki;
import io.github.vaultsni.vault.VaultAuth;
import io.github.vaultsni.vault.VaultSecretManager;
import io.github.vaultsni.vault.VaultSettings;
import io.github.vaultsni.vaulttest.VaultHttp;
import io.github.vaultsni.vaulttest.VaultTestServer;
import org.eclipse.jetty.util.component.LifeCycle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.security.cert.CertificateException;
import java.security.cert.CertificateRevokedException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Revocation lists read from the Vault test server's PKI mount: a complete CRL and the delta CRL on it are read
 * together, verified against the object's client CA, and answer the handshake's question from memory; a list signed
 * by another CA is refused, and the object then fails closed.
 */
@Timeout(60)
class ClientRevocationsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ROOT = "crl-root";

    private VaultTestServer server;
    private VaultHttp http;
    private SecretResolver resolver;
    private ClientRevocations revocations;
    private X509Certificate ca;

    @BeforeEach
    void start() {
        server = VaultTestServer.builder().rootToken(ROOT).start();
        http = new VaultHttp(server.address());
        ca = Pem.decodeCertificates("ca", http.enablePki(ROOT, "pki")).get(0);
        http.expect(200, "POST", "pki/roles/clients", ROOT, Map.of("allow_any_name", true, "key_type", "ec"));
        resolver = SecretResolver.builder().backgroundRefresh(false).build();
        LifeCycle.start(resolver);
        resolver.register("vault", "pki-vault", VaultSecretManager.on(resolver,
                VaultSettings.builder(server.address()).auth(VaultAuth.token(ROOT)).build()));
        revocations = new ClientRevocations(resolver, Runnable::run, resolver.scheduler(), Clock.systemUTC());
    }

    @AfterEach
    void stop() {
        resolver.close();
        server.close();
    }

    /** A client certificate from the mount, and the serial as Vault writes it (for pki/revoke). */
    private record Client(X509Certificate certificate, String serial) {
    }

    private Client issue(String name) {
        JsonNode issued = http.expect(200, "POST", "pki/issue/clients", ROOT, Map.of("common_name", name)).data();
        return new Client(Pem.decodeCertificates(name, issued.get("certificate").asText()).get(0),
                issued.get("serial_number").asText());
    }

    private static RevocationSpec vaultPki() throws Exception {
        return RevocationSpec.fromJson(JSON.readTree("{\"vault_pki\": {\"secret_id\": \"pki-vault\"}}"));
    }

    @Test
    void aDeltaCrl_addsWhatWasRevokedSinceTheCompleteOne() throws Exception {
        http.expect(200, "POST", "pki/config/crl", ROOT, Map.of("auto_rebuild", true, "enable_delta", true));
        Client earlyClient = issue("early");
        Client lateClient = issue("late");
        X509Certificate early = earlyClient.certificate();
        X509Certificate late = lateClient.certificate();
        X509Certificate kept = issue("kept").certificate();
        http.expect(200, "POST", "pki/revoke", ROOT, Map.of("serial_number", earlyClient.serial()));
        http.expect(200, "GET", "pki/crl/rotate", ROOT, null);
        http.expect(200, "POST", "pki/revoke", ROOT, Map.of("serial_number", lateClient.serial()));

        ClientRevocation revocation = revocations.track("mtls", vaultPki(), List.of(ca));
        assertInstanceOf(CertificateRevokedException.class, assertThrows(CertificateException.class,
                () -> revocation.check(early)), "in the complete CRL");
        assertInstanceOf(CertificateRevokedException.class, assertThrows(CertificateException.class,
                () -> revocation.check(late)), "in the delta CRL only");
        assertDoesNotThrow(() -> revocation.check(kept));
        Map<String, Object> status = revocation.toMap();
        assertEquals("current", status.get("state"));
        assertEquals(2, status.get("revoked"));
        assertEquals(null, status.get("last_failure"));
    }

    @Test
    void aListSignedByAnotherCa_isRefused_andTheObjectFailsClosed() throws Exception {
        X509Certificate client = issue("client").certificate();
        X509Certificate otherCa = TestPki.rootCa("OTHER-CA", "EC").certificate();
        ClientRevocation revocation = revocations.track("mtls", vaultPki(), List.of(otherCa));
        CertificateException refused = assertThrows(CertificateException.class, () -> revocation.check(client));
        assertFalse(refused instanceof CertificateRevokedException, refused.getMessage());
        Map<String, Object> status = revocation.toMap();
        assertEquals("none", status.get("state"));
        assertTrue(String.valueOf(status.get("last_failure")).contains("none of the object's client CAs"), status::toString);
    }

    @Test
    void aListedCertificate_isRefusedEvenWhenTheListIsStale_andFailOpenWaivesOnlyUnlisted() throws Exception {
        Client revoked = issue("revoked");
        X509Certificate kept = issue("kept").certificate();
        http.expect(200, "POST", "pki/revoke", ROOT, Map.of("serial_number", revoked.serial()));
        http.expect(200, "POST", "pki/config/crl", ROOT, Map.of("expiry", "1s"));
        http.expect(200, "GET", "pki/crl/rotate", ROOT, null);
        RevocationSpec open = RevocationSpec.fromJson(JSON.readTree(
                "{\"vault_pki\": {\"secret_id\": \"pki-vault\"}, \"fail_mode\": \"fail_open\", \"grace\": 0}"));
        ClientRevocation revocation = revocations.track("mtls", open, List.of(ca));
        Thread.sleep(1_100); // the list's own nextUpdate, on the real clock, passes
        assertEquals("stale", revocation.toMap().get("state"));
        assertInstanceOf(CertificateRevokedException.class, assertThrows(CertificateException.class,
                () -> revocation.check(revoked.certificate())), "a revocation is for good");
        assertDoesNotThrow(() -> revocation.check(kept), "fail_open: an unlisted one passes on a stale list");
    }

    @Test
    void aDefaultMount_hasNoDeltaCrl_andItsListLoads() throws Exception {
        assertEquals(204, http.raw("pki/crl/delta/pem").status(), "Vault 1.13 answers 204 without a delta CRL");
        ClientRevocation revocation = revocations.track("mtls", vaultPki(), List.of(ca));
        assertEquals("current", revocation.toMap().get("state"), revocation.toMap()::toString);
    }

    @Test
    void revocationBlocks_areReadStrictly() {
        for (String[] refused : new String[][]{
                {"{}", "revocation: exactly one of vault_pki and crl is required"},
                {"{\"crl\": \"x\", \"vault_pki\": {\"secret_id\": \"v\"}}", "revocation: exactly one of vault_pki and crl is required"},
                {"{\"vault_pki\": {}}", "revocation.vault_pki.secret_id is required"},
                {"{\"crl\": \"x\", \"fail_mode\": \"maybe\"}", "revocation.fail_mode: fail_closed or fail_open, not maybe"},
                {"{\"crl\": \"x\", \"refresh\": 0}", "revocation.refresh: a number of seconds from 1 to 2592000"},
                {"{\"crl\": \"x\", \"grace\": 1e12}", "revocation.grace: a number of seconds from 0 to 2592000"},
                {"{\"vault_pki\": {\"secret_id\": \"v\", \"path\": \"x\"}}", "revocation.vault_pki.path: not a field of vault_pki"},
                {"{\"crl\": \"x\", \"ocsp\": true}", "revocation.ocsp: not a field of revocation"}}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> RevocationSpec.fromJson(JSON.readTree(refused[0])));
            assertEquals(refused[1], e.getMessage());
        }
    }
}
