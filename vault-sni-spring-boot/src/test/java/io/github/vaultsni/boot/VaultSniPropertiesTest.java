package io.github.vaultsni.boot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.vaultsni.issuer.IssuerSpec;
import io.github.vaultsni.keyless.SignerSpec;
import io.github.vaultsni.registry.SniEntrySpec;
import io.github.vaultsni.revocation.RevocationSpec;
import io.github.vaultsni.vault.VaultAuth;
import io.github.vaultsni.vault.VaultSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.cloud.vault.config.VaultProperties;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** vault-sni.* bound as Boot binds it, turned into the library's settings, and described for IDEs. */
class VaultSniPropertiesTest {

    private static VaultSniProperties bind(Map<String, String> properties) {
        return new Binder(new MapConfigurationPropertySource(properties)).bindOrCreate("vault-sni", VaultSniProperties.class);
    }

    @Test
    void defaults_areTheLibrarys() {
        VaultSniProperties properties = bind(Map.of());
        assertTrue(properties.enabled());
        assertEquals(Duration.ofSeconds(300), properties.cache().ttl());
        assertEquals(Duration.ofSeconds(60), properties.cache().negativeTtl());
        assertEquals(null, properties.cache().maxStale());
        assertEquals("vault-sni", properties.vault().secretObjectId());
        assertEquals("approle", properties.vault().appRole().mount());
        assertTrue(properties.vault().tls().verify());
        assertEquals(Duration.ofSeconds(5), properties.vault().timeout());
        assertEquals(Duration.ofSeconds(30), properties.startupTimeout());
        assertTrue(properties.certificates().isEmpty());
    }

    @Test
    void vault_becomesTheLibrarysSettings_tokenFromAFile(@TempDir Path dir) throws Exception {
        Path tokenFile = Files.writeString(dir.resolve("token"), "s.file-token\n");
        VaultSettings settings = VaultConnection.settings(bind(Map.of("vault-sni.vault.uri", "http://127.0.0.1:8200",
                "vault-sni.vault.prefix", "/kv/apisix/", "vault-sni.vault.kv-version", "2", "vault-sni.vault.namespace", "ns1",
                "vault-sni.vault.token-file", tokenFile.toString(), "vault-sni.vault.timeout", "2s")).vault(), null).orElseThrow();
        assertEquals("VaultSettings{uri=http://127.0.0.1:8200, prefix=kv/apisix, namespace=ns1, kvVersion=V2, "
                + "auth=TokenFile[file=" + tokenFile + "], ca=system, verify=true, timeout=PT2S}", settings.toString());
        assertEquals(new VaultAuth.TokenFile(tokenFile), settings.auth(), "read again when it changes, not once");
    }

    @Test
    void appRole_andTheDefaultToken() {
        VaultSettings appRole = VaultConnection.settings(bind(Map.of("vault-sni.vault.uri", "http://127.0.0.1:8200",
                "vault-sni.vault.app-role.role-id", "role", "vault-sni.vault.app-role.secret-id", "$env://SECRET_ID")).vault(),
                null).orElseThrow();
        assertEquals(new VaultAuth.AppRole("role", "$env://SECRET_ID", "approle"), appRole.auth());
        VaultSettings plain = VaultConnection.settings(bind(Map.of("vault-sni.vault.uri", "http://127.0.0.1:8200")).vault(),
                null).orElseThrow();
        assertEquals(VaultAuth.token("$env://VAULT_TOKEN"), plain.auth());
        assertTrue(VaultConnection.settings(bind(Map.of()).vault(), null).isEmpty(), "no address, no Vault");
    }

    @Test
    void auth_loginMethods_throughTheLibrarysOneMapping(@TempDir Path dir) {
        VaultSettings jwt = VaultConnection.settings(bind(Map.of("vault-sni.vault.uri", "https://vault.internal:8200",
                "vault-sni.vault.auth.method", "jwt", "vault-sni.vault.auth.role", "gateway",
                "vault-sni.vault.auth.jwt-file", dir.resolve("jwt").toString(), "vault-sni.vault.auth.mount", "oidc",
                "vault-sni.vault.auth.namespace", "team-a")).vault(), null).orElseThrow();
        assertEquals(new VaultAuth.Jwt("gateway", dir.resolve("jwt"), new VaultAuth.AuthMount("oidc", "team-a")), jwt.auth());
        VaultSettings cert = VaultConnection.settings(bind(Map.of("vault-sni.vault.uri", "https://vault.internal:8200",
                "vault-sni.vault.auth.method", "cert", "vault-sni.vault.auth.cert-file", "/etc/gw/client.crt",
                "vault-sni.vault.auth.key", "$env://CLIENT_KEY")).vault(), null).orElseThrow();
        assertEquals(new VaultAuth.Cert(null, VaultAuth.Source.file(Path.of("/etc/gw/client.crt")),
                VaultAuth.Source.value("$env://CLIENT_KEY"), VaultAuth.AuthMount.of("cert")), cert.auth());

        IllegalArgumentException unused = assertThrows(IllegalArgumentException.class, () -> VaultConnection.settings(
                bind(Map.of("vault-sni.vault.uri", "http://127.0.0.1:8200", "vault-sni.vault.auth.method", "kubernetes",
                        "vault-sni.vault.auth.role", "gateway", "vault-sni.vault.token", "s.token")).vault(), null));
        assertEquals("vault-sni.vault: invalid configuration: property \"vault-sni.vault.token\" is not used by method "
                + "kubernetes",
                unused.getMessage());
        IllegalArgumentException methodless = assertThrows(IllegalArgumentException.class, () -> VaultConnection.settings(
                bind(Map.of("vault-sni.vault.uri", "http://127.0.0.1:8200", "vault-sni.vault.auth.role", "gateway"))
                        .vault(), null));
        assertEquals("vault-sni.vault: vault-sni.vault.auth.method is required with the other vault-sni.vault.auth.* "
                + "properties", methodless.getMessage());
    }

    @Test
    void clientRevocation_becomesTheSslObjectsClientRevocation() {
        Map<String, String> values = new HashMap<>(Map.of("vault-sni.certificates[0].id", "mtls",
                "vault-sni.certificates[0].snis[0]", "mtls.test", "vault-sni.certificates[0].cert", "$env://CRT",
                "vault-sni.certificates[0].key", "$env://KEY", "vault-sni.certificates[0].client-ca", "$env://CA",
                "vault-sni.certificates[0].client-revocation.vault-pki.secret-id", "pki-vault",
                "vault-sni.certificates[0].client-revocation.fail-mode", "fail_open",
                "vault-sni.certificates[0].client-revocation.refresh", "30s"));
        SniEntrySpec spec = bind(values).certificateSpecs().get(0);
        assertEquals(new RevocationSpec(new RevocationSpec.Source.VaultPki("pki-vault", "pki"),
                RevocationSpec.FailMode.FAIL_OPEN, Duration.ofSeconds(30), RevocationSpec.DEFAULT_GRACE),
                spec.clientRevocation());
        values.put("vault-sni.certificates[0].client-revocation.fail-mode", "maybe");
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> bind(values).certificateSpecs());
        assertEquals("vault-sni.certificates[0].client-revocation (mtls): revocation.fail_mode: fail_closed or "
                + "fail_open, not maybe", refused.getMessage());
    }

    @Test
    void signer_becomesTheSslObjectsSigner_onThisStartersVaultUnlessOneIsNamed() {
        Map<String, String> values = new HashMap<>(Map.of("vault-sni.certificates[0].id", "keyless",
                "vault-sni.certificates[0].snis[0]", "keyless.test", "vault-sni.certificates[0].cert", "$env://CRT",
                "vault-sni.certificates[0].signer.vault-transit.key", "gateway"));
        assertEquals(new SignerSpec("vault-sni", "transit", "gateway"),
                bind(values).certificateSpecs().get(0).signer());
        values.put("vault-sni.certificates[0].key", "$env://KEY");
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> bind(values).certificateSpecs());
        assertEquals("vault-sni.certificates[0].signer.vault-transit (keyless): signer excludes key: the private key "
                + "stays in Vault Transit", refused.getMessage());
    }

    @Test
    void badValues_areRefused_namingTheProperty() {
        IllegalArgumentException uri = assertThrows(IllegalArgumentException.class,
                () -> VaultConnection.settings(bind(Map.of("vault-sni.vault.uri", "127.0.0.1:8200")).vault(), null));
        assertEquals("vault-sni.vault: uri (127.0.0.1:8200) must look like http://host:port", uri.getMessage());
        IllegalArgumentException pairs = assertThrows(IllegalArgumentException.class, () -> bind(Map.of(
                "vault-sni.certificates[0].id", "a", "vault-sni.certificates[0].cert", "c", "vault-sni.certificates[0].key", "k",
                "vault-sni.certificates[0].certs[0]", "c2")).certificateSpecs());
        assertEquals("vault-sni.certificates[0].certs (a): mismatched number of certs and keys", pairs.getMessage());
    }

    /** One certificate, internal, for api.internal.test, with these issuer.vault-pki.* properties. */
    private static SniEntrySpec issued(Map<String, String> vaultPki) {
        Map<String, String> properties = new HashMap<>(Map.of("vault-sni.certificates[0].id", "internal",
                "vault-sni.certificates[0].snis[0]", "api.internal.test"));
        vaultPki.forEach((name, value) -> properties.put("vault-sni.certificates[0].issuer.vault-pki." + name, value));
        return bind(properties).certificateSpecs().get(0);
    }

    @Test
    void issuer_everyField_reachesTheLibrarysSpec() {
        SniEntrySpec spec = issued(Map.of("secret-id", "other-vault", "role", "gateway", "mount", "pki_int",
                "ttl", "1h30m", "key-type", "rsa", "mode", "issue", "on-demand-wait", "1.5s", "max-names", "5",
                "names-per-minute", "2"));
        assertEquals(new IssuerSpec("other-vault", "pki_int", "gateway", Duration.ofMinutes(90), IssuerSpec.KeyType.RSA,
                IssuerSpec.Mode.ISSUE, Duration.ofMillis(1500), 5, 2), spec.issuer());
        assertEquals(List.of("api.internal.test"), spec.snis());
        assertNull(spec.cert());
    }

    @Test
    void issuer_defaults_areTheLibrarys_onThisStartersVaultConnection() {
        assertEquals(IssuerSpec.of("vault-sni", "gateway"), issued(Map.of("role", "gateway")).issuer());
        SniEntrySpec renamed = bind(Map.of("vault-sni.vault.secret-object-id", "main",
                "vault-sni.certificates[0].id", "internal", "vault-sni.certificates[0].snis[0]", "api.internal.test",
                "vault-sni.certificates[0].issuer.vault-pki.role", "gateway")).certificateSpecs().get(0);
        assertEquals(IssuerSpec.of("main", "gateway"), renamed.issuer());
    }

    @Test
    void issuer_asTheSslObjectSpellsIt_binds() {
        Map<String, String> properties = Map.of("vault-sni.certificates[0].id", "internal",
                "vault-sni.certificates[0].snis[0]", "api.internal.test",
                "vault-sni.certificates[0].issuer.vault_pki.role", "gateway",
                "vault-sni.certificates[0].issuer.vault_pki.key_type", "rsa");
        assertEquals(IssuerSpec.KeyType.RSA, bind(properties).certificateSpecs().get(0).issuer().keyType());
    }

    @Test
    void issuer_refusals_nameTheCertificate() {
        assertEquals("vault-sni.certificates[0].issuer.vault-pki (internal): issuer ttl (3 days) must be a duration such as 72h, 30m or 90s",
                assertThrows(IllegalArgumentException.class,
                        () -> issued(Map.of("role", "gateway", "ttl", "3 days"))).getMessage());
        assertEquals("vault-sni.certificates[0].issuer.vault-pki (internal): issuer.vault_pki needs secret_id and role",
                assertThrows(IllegalArgumentException.class, () -> issued(Map.of("mount", "pki"))).getMessage());
        IllegalArgumentException withCert = assertThrows(IllegalArgumentException.class, () -> bind(Map.of(
                "vault-sni.certificates[0].id", "internal", "vault-sni.certificates[0].snis[0]", "api.internal.test",
                "vault-sni.certificates[0].cert", "c", "vault-sni.certificates[0].key", "k",
                "vault-sni.certificates[0].issuer.vault-pki.role", "gateway")).certificateSpecs());
        assertEquals("vault-sni.certificates[0].issuer (internal): issuer excludes cert, key, certs and keys: the certificates are issued",
                withCert.getMessage());
        IllegalArgumentException neither = assertThrows(IllegalArgumentException.class, () -> bind(Map.of(
                "vault-sni.certificates[0].id", "internal")).certificateSpecs());
        assertEquals("vault-sni.certificates[0].cert (internal): cert and key are required", neither.getMessage());
    }

    @Test
    void springCloudVault_givesTokenOrAppRole_andSaysWhatToSetOtherwise() {
        VaultProperties cloud = new VaultProperties();
        cloud.setHost("vault.internal");
        cloud.setToken("s.cloud");
        SpringCloudVaultDefaults defaults = new SpringCloudVaultDefaults(cloud);
        assertEquals("https://vault.internal:8200", defaults.uri());
        assertEquals(VaultAuth.token("s.cloud"), defaults.auth());

        cloud.setAuthentication(VaultProperties.AuthenticationMethod.APPROLE);
        cloud.getAppRole().setRoleId("role");
        cloud.getAppRole().setSecretId("secret");
        assertEquals(new VaultAuth.AppRole("role", "secret", "approle"), defaults.auth());

        cloud.setAuthentication(VaultProperties.AuthenticationMethod.KUBERNETES);
        cloud.getKubernetes().setRole("gateway");
        assertEquals(new VaultAuth.Kubernetes("gateway", VaultAuth.KUBERNETES_JWT, VaultAuth.AuthMount.of("kubernetes")),
                defaults.auth());

        cloud.setAuthentication(VaultProperties.AuthenticationMethod.AWS_IAM);
        IllegalStateException refused = assertThrows(IllegalStateException.class, defaults::auth);
        assertEquals("spring.cloud.vault.authentication=AWS_IAM gives vault-sni nothing it can use (a token, an "
                + "AppRole role-id and secret-id, or a Kubernetes role): set vault-sni.vault.token, "
                + "vault-sni.vault.token-file, vault-sni.vault.app-role.* or vault-sni.vault.auth.*", refused.getMessage());
    }

    @Test
    void toString_printsNoSecret() {
        Map<String, String> values = new HashMap<>(Map.of("vault-sni.vault.token", "s.very-secret",
                "vault-sni.vault.app-role.secret-id", "also-secret", "vault-sni.certificates[0].id", "a",
                "vault-sni.certificates[0].cert", "CERT", "vault-sni.certificates[0].key", "-----BEGIN PRIVATE KEY-----"));
        String text = bind(values).toString();
        assertFalse(text.contains("s.very-secret") || text.contains("also-secret") || text.contains("PRIVATE KEY"), text);
        assertTrue(text.contains("token=(redacted)"), text);
    }

    @Test
    void metadata_describesEveryProperty_forIdes() throws Exception {
        JsonNode metadata;
        try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            metadata = new ObjectMapper().readTree(in);
        }
        Map<String, JsonNode> byName = new HashMap<>();
        metadata.path("properties").forEach(p -> byName.put(p.path("name").asText(), p));
        for (String name : new String[]{"vault-sni.enabled", "vault-sni.vault.uri", "vault-sni.vault.token",
                "vault-sni.vault.token-file", "vault-sni.vault.app-role.role-id", "vault-sni.vault.namespace",
                "vault-sni.vault.kv-version", "vault-sni.vault.tls.ca-file", "vault-sni.vault.timeout", "vault-sni.cache.ttl",
                "vault-sni.cache.negative-ttl", "vault-sni.cache.max-stale", "vault-sni.default-entry",
                "vault-sni.certificates", "vault-sni.bindings-file"}) {
            assertTrue(byName.containsKey(name), name);
            assertFalse(byName.get(name).path("description").asText().isBlank(), name + " has a description");
        }
        assertEquals("300s", byName.get("vault-sni.cache.ttl").path("defaultValue").asText());
        assertEquals("auto", metadata.path("hints").path(0).path("values").path(0).path("value").asText());
    }
}
