package io.github.vaultsni.boot.actuate;

import io.github.vaultsni.boot.VaultSniAutoConfiguration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/** Each Actuator part where it is wanted, and none without the starter's own configuration. */
class VaultSniActuatorAutoConfigurationTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(
            AutoConfigurations.of(VaultSniAutoConfiguration.class, VaultSniActuatorAutoConfiguration.class));

    @Test
    void withVaultSni_theHealthIndicatorTheMetrics_andTheEndpointOnceExposed() {
        runner.withPropertyValues("vault-sni.default-entry=none").run(context -> assertThat(context)
                .hasSingleBean(VaultSniHealthIndicator.class).hasSingleBean(CertificateExpiryGauges.class)
                .doesNotHaveBean(SslObjectsEndpoint.class));
        runner.withPropertyValues("vault-sni.default-entry=none", "management.endpoints.web.exposure.include=sslobjects")
                .run(context -> assertThat(context).hasSingleBean(SslObjectsEndpoint.class));
    }

    @Test
    void theHealthIndicator_canBeTurnedOff() {
        runner.withPropertyValues("vault-sni.default-entry=none", "management.health.vaultsni.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean(VaultSniHealthIndicator.class));
    }

    @Test
    void withoutVaultSni_nothing() {
        runner.run(context -> assertThat(context).doesNotHaveBean(VaultSniHealthIndicator.class)
                .doesNotHaveBean(CertificateExpiryGauges.class));
    }
}
