package io.github.vaultsni.issuer;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code issuer.vault_pki} read into a spec: defaults, Go durations, refusals; and when a certificate renews. */
class IssuerSpecTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static IssuerSpec read(String json) throws Exception {
        return IssuerSpec.fromJson(JSON.readTree(json));
    }

    @Test
    void defaults() throws Exception {
        IssuerSpec spec = read("{\"secret_id\": \"v\", \"role\": \"gateway\"}");
        assertEquals(IssuerSpec.of("v", "gateway"), spec);
        assertEquals("pki", spec.mount());
        assertNull(spec.ttl(), "the role's");
        assertEquals(IssuerSpec.KeyType.EC, spec.keyType());
        assertEquals(IssuerSpec.Mode.SIGN, spec.mode());
        assertEquals(Duration.ofSeconds(3), spec.onDemandWait());
        assertEquals(1000, spec.maxNames());
        assertEquals(10, spec.namesPerMinute());
    }

    /** A role or mount is a Vault path, never a way out of one: {@code ../}, {@code ?}, {@code #}, {@code %} refused. */
    @Test
    void roleAndMount_areVaultPathSegments() throws Exception {
        for (String role : List.of("../../kv/apisix/pwned", "gateway?x=1", "a/b", "..", "gate#way", "a%2fb", "", "a b")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> read("{\"secret_id\": \"v\", \"role\": " + JSON.writeValueAsString(role) + "}"), role);
            assertTrue(e.getMessage().startsWith("issuer.vault_pki.role"), e.getMessage());
        }
        for (String mount : List.of("pki/../kv", "../pki", "pki?x", "pki//x")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> read(
                    "{\"secret_id\": \"v\", \"role\": \"r\", \"mount\": " + JSON.writeValueAsString(mount) + "}"), mount);
            assertTrue(e.getMessage().startsWith("issuer.vault_pki.mount"), e.getMessage());
        }
        IssuerSpec nested = read("{\"secret_id\": \"v\", \"role\": \"web-01\", \"mount\": \"team/pki_int\"}");
        assertEquals("team/pki_int/sign/web-01", nested.rolePath("sign").toString());
    }

    @Test
    void bounds_areSaid_andAStoredObjectIsServedWithinThem_integersOnly() throws Exception {
        IssuerSpec atBounds = read("{\"secret_id\": \"v\", \"role\": \"r\", \"max_names\": 10000, \"names_per_minute\": 600,"
                + " \"on_demand_wait\": \"20s\"}");
        assertEquals(List.of(), atBounds.pastBounds());
        IssuerSpec past = read("{\"secret_id\": \"v\", \"role\": \"r\", \"max_names\": 1000000000, \"names_per_minute\": 601,"
                + " \"on_demand_wait\": \"600s\"}");
        assertEquals(List.of("issuer.vault_pki.on_demand_wait (600s) must be at most 20s",
                "issuer.vault_pki.max_names (1000000000) must be at most 10000",
                "issuer.vault_pki.names_per_minute (601) must be at most 600"), past.pastBounds());
        IssuerSpec within = past.withinBounds();
        assertEquals(List.of(Duration.ofSeconds(20), 10000, 600), List.of(within.onDemandWait(), within.maxNames(),
                within.namesPerMinute()));
        for (String field : List.of("\"max_names\": \"abc\"", "\"max_names\": 1.5", "\"names_per_minute\": true",
                "\"names_per_minute\": 1e6", "\"max_names\": 0", "\"max_names\": 99999999999")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> read("{\"secret_id\": \"v\", \"role\": \"r\", " + field + "}"), field);
            assertTrue(e.getMessage().startsWith("issuer "), e.getMessage());
        }
    }

    @Test
    void everyField() throws Exception {
        IssuerSpec spec = read("""
                {"secret_id": "v", "role": "r", "mount": "pki_int", "ttl": "1h30m", "key_type": "rsa", "mode": "issue",
                 "on_demand_wait": "1.5s", "max_names": 5, "names_per_minute": 2}""");
        assertEquals(new IssuerSpec("v", "pki_int", "r", Duration.ofMinutes(90), IssuerSpec.KeyType.RSA,
                IssuerSpec.Mode.ISSUE, Duration.ofMillis(1500), 5, 2), spec);
    }

    @Test
    void refusals_sayWhich() {
        assertEquals("issuer ttl (3 days) must be a duration such as 72h, 30m or 90s",
                assertThrows(IllegalArgumentException.class, () -> read("{\"secret_id\": \"v\", \"role\": \"r\", \"ttl\": \"3 days\"}")).getMessage());
        assertEquals("issuer key_type (ed25519) is not one of [ec, rsa]",
                assertThrows(IllegalArgumentException.class, () -> read("{\"secret_id\": \"v\", \"role\": \"r\", \"key_type\": \"ed25519\"}")).getMessage());
        assertEquals("issuer.vault_pki needs secret_id and role",
                assertThrows(IllegalArgumentException.class, () -> read("{\"role\": \"r\"}")).getMessage());
    }

    @Test
    void goDurations_asVaultTakesThem() {
        assertEquals(Duration.ofHours(72), GoDuration.parse("72h", "ttl"));
        assertEquals(Duration.ofMinutes(90), GoDuration.parse("1.5h", "ttl"));
        assertEquals(Duration.ofMillis(500), GoDuration.parse("500ms", "ttl"));
        assertEquals(Duration.ofSeconds(3661), GoDuration.parse("1h1m1s", "ttl"));
        assertEquals("259200s", GoDuration.format(Duration.ofHours(72)));
    }

    @Test
    void aChangedSetting_changesTheFingerprint() {
        IssuerSpec base = IssuerSpec.of("v", "r");
        assertNotEquals(base.fingerprint(), IssuerSpec.of("v", "other").fingerprint());
        assertNotEquals(base.fingerprint(), new IssuerSpec("v", "pki", "r", Duration.ofHours(1), IssuerSpec.KeyType.EC,
                IssuerSpec.Mode.SIGN, Duration.ofSeconds(3), 1000, 10).fingerprint());
        assertEquals(base.fingerprint(), new IssuerSpec("v", "pki", "r", null, IssuerSpec.KeyType.EC,
                IssuerSpec.Mode.SIGN, Duration.ofSeconds(9), 5, 1).fingerprint(), "limits do not change a certificate");
    }

    @Test
    void renewal_isTwoThirdsIntoTheLifetimeFromWhenObtained_andToStringHidesTheKey() {
        Instant obtained = Instant.parse("2026-12-01T00:00:00Z");
        IssuedCertificate cert = new IssuedCertificate(List.of("a.test"), "chain", "-----BEGIN PRIVATE KEY-----secret",
                "01:02", obtained.plus(Duration.ofHours(3)), obtained, "f");
        assertEquals(obtained.plus(Duration.ofHours(2)), cert.renewAt(Duration.ZERO));
        assertTrue(cert.expiredAt(obtained.plus(Duration.ofHours(3))));
        assertFalse(cert.expiredAt(obtained.plus(Duration.ofHours(2))));
        assertFalse(cert.toString().contains("secret"), cert.toString());
    }
}
