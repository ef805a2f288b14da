package io.github.vaultsni.boot.actuate;

import io.github.vaultsni.boot.VaultSniAutoConfiguration;
import io.github.vaultsni.registry.SniBindings;
import io.github.vaultsni.registry.SslObjectRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The starter's Actuator parts, each where its library is on the class path: the {@code vaultSni} health
 * indicator ({@code management.health.vaultsni.enabled}), the {@code sslobjects} endpoint (expose it with
 * {@code management.endpoints.web.exposure.include}), and the not-after gauges for Micrometer.
 */
@AutoConfiguration(after = VaultSniAutoConfiguration.class)
@ConditionalOnBean(SslObjectRegistry.class)
public class VaultSniActuatorAutoConfiguration {

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(HealthIndicator.class)
    @ConditionalOnEnabledHealthIndicator("vaultsni")
    static class HealthIndicatorConfiguration {
        @Bean
        @ConditionalOnMissingBean
        VaultSniHealthIndicator vaultSniHealthIndicator(SslObjectRegistry registry) {
            return new VaultSniHealthIndicator(registry);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(Endpoint.class)
    @ConditionalOnAvailableEndpoint(SslObjectsEndpoint.class)
    static class SslObjectsConfiguration {
        @Bean
        @ConditionalOnMissingBean
        SslObjectsEndpoint sslObjectsEndpoint(SslObjectRegistry registry) {
            return new SslObjectsEndpoint(registry);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(MeterBinder.class)
    static class MetricsConfiguration {
        @Bean
        @ConditionalOnMissingBean
        CertificateExpiryGauges certificateExpiryGauges(SniBindings bindings) {
            return new CertificateExpiryGauges(bindings);
        }
    }
}
