package io.github.vaultsni.vault;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

class VaultSecretObjectTest {

    @Test
    void parse_walkThroughObject() {
        VaultSettings s = VaultSecretObject.parse(Map.of("uri", "http://apisix-quickstart-vault:8200",
                "prefix", "kv/apisix", "token", "apisix-quickstart-vault-token"));
        assertEquals("http://apisix-quickstart-vault:8200", s.uri());
        assertEquals("kv/apisix", s.prefix());
        assertEquals(KvVersion.AUTO, s.kvVersion());
        assertEquals("apisix-quickstart-vault-token", ((VaultAuth.Token) s.auth()).token());
        assertEquals(Duration.ofSeconds(5), s.timeout());
    }

    @Test
    void parse_everyExtension() {
        VaultSettings s = VaultSecretObject.parse(Map.of("uri", "https://vault:8200", "prefix", "/secret/apisix/",
                "namespace", "ns1", "kv_version", 2, "timeout", 1.5,
                "auth", Map.of("method", "approle", "role_id", "r", "secret_id", "$env://SECRET_ID"),
                "tls", Map.of("ca", "-----BEGIN CERTIFICATE-----", "verify", false)));
        assertEquals("secret/apisix", s.prefix());
        assertEquals("ns1", s.namespace().orElseThrow());
        assertEquals(KvVersion.V2, s.kvVersion());
        assertEquals(Duration.ofMillis(1500), s.timeout());
        VaultAuth.AppRole appRole = assertInstanceOf(VaultAuth.AppRole.class, s.auth());
        assertEquals("$env://SECRET_ID", appRole.secretId());
        assertEquals("approle", appRole.mount().path());
        assertFalse(s.verify());
    }

    @Test
    void parse_errorsNameTheField() {
        assertMessage("invalid configuration: property \"uri\" is required", Map.of("token", "t"));
        assertMessage("invalid configuration: property \"token\" is required", Map.of("uri", "http://v:1"));
        assertMessage("invalid configuration: uri (v:8200) must look like http://host:port",
                Map.of("uri", "v:8200", "token", "t"));
        assertMessage("invalid configuration: kv_version (3) must be 1, 2 or auto",
                Map.of("uri", "http://v:1", "token", "t", "kv_version", 3));
        assertMessage("invalid configuration: property \"timeout\" validation failed: expected a positive number of seconds",
                Map.of("uri", "http://v:1", "token", "t", "timeout", -1));
        assertMessage("invalid configuration: only one of \"token\" and \"auth\" may be given",
                Map.of("uri", "http://v:1", "token", "t", "auth", Map.of("method", "token", "token", "t")));
        assertMessage("invalid configuration: property \"auth.role_id\" is required",
                Map.of("uri", "http://v:1", "auth", Map.of("method", "approle", "secret_id", "s")));
        assertMessage("invalid configuration: property \"auth.method\" validation failed: matches none of the enum "
                + "values (token, token_file, approle, kubernetes, jwt, cert)", Map.of("uri", "http://v:1", "auth", Map.of("method", "ldap")));
        assertMessage("invalid configuration: additional properties forbidden, found tokn",
                Map.of("uri", "http://v:1", "tokn", "t"));
        assertMessage("invalid configuration: property \"token\" validation failed: wrong type: expected string",
                Map.of("uri", "http://v:1", "token", 5));
    }

    @Test
    void parseAuth_eachMethodWithItsDefaults() {
        assertEquals(new VaultAuth.Kubernetes("gateway", VaultAuth.KUBERNETES_JWT, VaultAuth.AuthMount.of("kubernetes")),
                VaultSecretObject.parseAuth(Map.of("method", "kubernetes", "role", "gateway")));
        assertEquals(new VaultAuth.Jwt("gateway", Path.of("/run/jwt"), new VaultAuth.AuthMount("oidc/corp", "ns1")),
                VaultSecretObject.parseAuth(Map.of("method", "jwt", "role", "gateway", "jwt_file", "/run/jwt",
                        "mount", "oidc/corp", "namespace", "ns1")));
        assertEquals(new VaultAuth.Cert(null, VaultAuth.Source.value("$env://CERT"), VaultAuth.Source.file(Path.of("k.pem")),
                        VaultAuth.AuthMount.of("cert")),
                VaultSecretObject.parseAuth(Map.of("method", "cert", "cert", "$env://CERT", "key_file", "k.pem")));
        assertEquals(new VaultAuth.TokenFile(Path.of("/run/vault-agent/token")),
                VaultSecretObject.parseAuth(Map.of("method", "token_file", "token_file", "/run/vault-agent/token")));
        assertEquals(new VaultAuth.AppRole("r", "s", new VaultAuth.AuthMount("approle", "ns1")),
                VaultSecretObject.parseAuth(Map.of("method", "approle", "role_id", "r", "secret_id", "s", "namespace", "ns1")));
    }

    @Test
    void parseAuth_refusesWhatTheMethodWouldNotHonour() {
        assertAuthMessage("invalid configuration: property \"auth.role\" is not used by method approle",
                Map.of("method", "approle", "role_id", "r", "secret_id", "s", "role", "x"));
        assertAuthMessage("invalid configuration: property \"auth.namespace\" is not used by method token",
                Map.of("method", "token", "token", "t", "namespace", "ns1"));
        assertAuthMessage("invalid configuration: property \"auth.jwt_file\" is required",
                Map.of("method", "jwt", "role", "gateway"));
        assertAuthMessage("invalid configuration: property \"auth.role\" is required",
                Map.of("method", "kubernetes"));
        assertAuthMessage("invalid configuration: exactly one of \"auth.cert\" and \"auth.cert_file\" is required",
                Map.of("method", "cert", "cert", "PEM", "cert_file", "c.pem", "key_file", "k.pem"));
        assertAuthMessage("invalid configuration: exactly one of \"auth.key\" and \"auth.key_file\" is required",
                Map.of("method", "cert", "cert_file", "c.pem"));
        assertAuthMessage("invalid configuration: auth.mount: \"..\" is not a Vault path segment (letters, digits and "
                + "-._~!$&'()*+,;=:@, not . or ..)",
                Map.of("method", "kubernetes", "role", "r", "mount", "../x"));
    }

    private static void assertAuthMessage(String message, Map<String, ?> auth) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, () -> VaultSecretObject.parseAuth(auth))
                .getMessage());
    }

    private static void assertMessage(String message, Map<String, ?> object) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, () -> VaultSecretObject.parse(object)).getMessage());
    }
}
