package io.github.vaultsni.boot.actuate;

import io.github.vaultsni.issuer.IssuerSpec;
import io.github.vaultsni.registry.SniEntrySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

@Timeout(30)
class VaultSniHealthIndicatorTest {
    private final ActuatorFixture fixture = new ActuatorFixture();
    private final VaultSniHealthIndicator health = new VaultSniHealthIndicator(fixture.registry);

    @AfterEach
    void close() {
        fixture.close();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> detail(Health health, String id) {
        return (Map<String, Object>) ((Map<String, Object>) health.getDetails().get("certificates")).get(id);
    }

    @Test
    void everyEntryServed_isUp_withEachNotAfter() throws Exception {
        fixture.bind(fixture.good());
        Health up = health.health();
        assertEquals(Status.UP, up.getStatus());
        assertEquals(Map.of("state", "ACTIVE", "notAfter", fixture.leaf.certificate().getNotAfter().toInstant().toString()),
                detail(up, "good"));
    }

    @Test
    void aFailedEntry_isDown_sayingWhy() throws Exception {
        fixture.bind(fixture.good(), ActuatorFixture.broken());
        Health down = health.health();
        assertEquals(Status.DOWN, down.getStatus());
        assertEquals(Map.of("state", "FAILED", "error", "failed to resolve secret reference "
                + "$secret://vault/nowhere/ssl/broken.crt: no secret object vault/nowhere"), detail(down, "broken"));
        assertEquals("ACTIVE", detail(down, "good").get("state"));
    }

    @Test
    void anIssuerThatCannotIssue_isDown_sayingWhy() throws Exception {
        fixture.bind(fixture.good(), SniEntrySpec.builder("issued").snis(List.of("api.internal.test"))
                .issuer(IssuerSpec.of("nowhere", "gateway")).build());
        Health down = health.health();
        assertEquals(Status.DOWN, down.getStatus());
        assertEquals(Map.of("state", "FAILED", "error", "no secret object vault/nowhere"), detail(down, "issued"));
    }

    @Test
    void noEntries_isUp() {
        assertEquals(Status.UP, health.health().getStatus());
    }
}
