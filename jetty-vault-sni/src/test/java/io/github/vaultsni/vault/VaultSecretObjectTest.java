package io.github.vaultsni.vault;

import org.junit.jupiter.api.Test;

import java.time.Duration;
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
        assertEquals("approle", appRole.mount());
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
                + "values (token, approle)", Map.of("uri", "http://v:1", "auth", Map.of("method", "ldap")));
        assertMessage("invalid configuration: additional properties forbidden, found tokn",
                Map.of("uri", "http://v:1", "tokn", "t"));
        assertMessage("invalid configuration: property \"token\" validation failed: wrong type: expected string",
                Map.of("uri", "http://v:1", "token", 5));
    }

    private static void assertMessage(String message, Map<String, ?> object) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, () -> VaultSecretObject.parse(object)).getMessage());
    }
}
