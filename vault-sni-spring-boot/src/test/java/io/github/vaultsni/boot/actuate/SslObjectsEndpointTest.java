package io.github.vaultsni.boot.actuate;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

@Timeout(30)
class SslObjectsEndpointTest {
    private final ActuatorFixture fixture = new ActuatorFixture();
    private final SslObjectsEndpoint endpoint = new SslObjectsEndpoint(fixture.registry);

    @AfterEach
    void close() {
        fixture.close();
    }

    @Test
    void list_isEveryStatus_asTheAdminApiAnswersIt() throws Exception {
        fixture.bind(fixture.good(), ActuatorFixture.broken());
        Map<String, Object> list = endpoint.sslObjects();
        assertEquals(List.of("list", "total"), List.copyOf(list.keySet()));
        assertEquals(2, list.get("total"));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> entries = (List<Map<String, Object>>) list.get("list");
        assertEquals(List.of("broken", "good"), entries.stream().map(e -> e.get("id")).toList());
        assertEquals(List.of("id", "state", "error", "subject", "sans", "not_after", "valid_now", "updated"),
                List.copyOf(entries.get(1).keySet()), "inline PEM: no references");
        assertEquals("FAILED", entries.get(0).get("state"));
        assertEquals(List.of("$secret://vault/nowhere/ssl/broken.crt", "$secret://vault/nowhere/ssl/broken.key"),
                entries.get(0).get("references"));
    }

    @Test
    void one_isItsStatus_orNothing() throws Exception {
        fixture.bind(fixture.good());
        assertEquals(fixture.leaf.certificate().getNotAfter().toInstant().getEpochSecond(),
                endpoint.sslObject("good").get("not_after"));
        assertEquals(List.of("test.com"), endpoint.sslObject("good").get("sans"));
        assertNull(endpoint.sslObject("nothing-here"));
    }
}
