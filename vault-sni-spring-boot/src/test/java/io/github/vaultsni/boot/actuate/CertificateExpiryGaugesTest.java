package io.github.vaultsni.boot.actuate;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(30)
class CertificateExpiryGaugesTest {
    private final ActuatorFixture fixture = new ActuatorFixture();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    @AfterEach
    void close() {
        fixture.close();
    }

    private Gauge gauge(String id) {
        return meters.find(CertificateExpiryGauges.NOT_AFTER).tag("ssl", id).gauge();
    }

    @Test
    void oneGaugePerBoundEntry_itsNotAfterInSeconds_comingAndGoingWithTheEntries() throws Exception {
        fixture.bind(fixture.good());
        new CertificateExpiryGauges(fixture.bindings).bindTo(meters);
        assertEquals(fixture.leaf.certificate().getNotAfter().toInstant().getEpochSecond(), gauge("good").value());
        assertEquals("seconds", gauge("good").getId().getBaseUnit());

        fixture.bind(fixture.good(), ActuatorFixture.broken());
        assertTrue(Double.isNaN(gauge("broken").value()), "not served");

        fixture.bind(ActuatorFixture.broken());
        assertNull(gauge("good"), "unbound: its gauge is gone");
    }

    @Test
    void close_stopsFollowingTheBindings() throws Exception {
        CertificateExpiryGauges gauges = new CertificateExpiryGauges(fixture.bindings);
        gauges.bindTo(meters);
        gauges.close();
        fixture.bind(fixture.good());
        assertNull(gauge("good"), "bound after the close: no gauge made");
    }
}
