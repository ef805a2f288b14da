package io.github.vaultsni.boot;

import io.github.vaultsni.issuer.IssuedCertificateStore;
import io.github.vaultsni.runtime.VaultSniRuntime;
import io.github.vaultsni.secret.SecretCacheSettings;
import io.github.vaultsni.secret.SecretResolver;
import io.github.vaultsni.registry.SniBindings;
import io.github.vaultsni.registry.SslObjectRegistry;
import io.github.vaultsni.sni.SniCertificates;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.jetty.JettyWebServerFactory;
import org.springframework.cloud.context.environment.EnvironmentChangeEvent;
import org.springframework.cloud.vault.config.VaultProperties;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

import java.time.Clock;

/**
 * Auto-configuration of the starter, active once any {@code vault-sni.*} property is set: a
 * {@link VaultSniRuntime} (its {@link SecretResolver} with the Vault connection {@code vault-sni.vault.*} describes,
 * or Spring Cloud Vault's, and its {@link SslObjectRegistry}) fed by {@code vault-sni.certificates} and the bindings
 * file, and the Jetty customizer that makes {@code server.port} serve them by SNI. With Spring Cloud's context on the class path, a
 * refresh of the environment applies a changed certificate list without restarting the web server.
 *
 * <p>Every bean may be replaced by one of the application's own of the same type.
 */
@AutoConfiguration(afterName = "org.springframework.cloud.vault.config.VaultAutoConfiguration")
@Conditional(OnVaultSniPropertiesCondition.class)
@EnableConfigurationProperties(VaultSniProperties.class)
public class VaultSniAutoConfiguration {
    private static final Logger LOG = LoggerFactory.getLogger(VaultSniAutoConfiguration.class);

    @Bean
    @ConditionalOnMissingBean
    SniCertificates vaultSniCertificates() {
        return new SniCertificates();
    }

    /**
     * The runtime, built by the one builder every way in uses: the secret resolver with the Vault connection
     * {@code vault-sni.vault.*} describes (or Spring Cloud Vault's), the registry publishing to the
     * {@link SniCertificates} bean, on one pool, scheduler and clock (the application's {@link Clock} bean, if
     * unique). Certificates issued by Vault PKI ({@code vault-sni.certificates[n].issuer}) are kept in memory (a
     * restart issues them again), or in the application's {@link IssuedCertificateStore} bean if it has one.
     */
    @Bean(initMethod = "start", destroyMethod = "stop")
    @ConditionalOnMissingBean
    VaultSniRuntime vaultSniRuntime(VaultSniProperties properties, SniCertificates certificates,
                                    ObjectProvider<Clock> clock, ObjectProvider<VaultConnectionDefaults> defaults,
                                    ObjectProvider<IssuedCertificateStore> issuedCertificates) {
        VaultSniProperties.Cache cache = properties.cache();
        VaultSniRuntime.Builder runtime = VaultSniRuntime.builder().clock(clock.getIfUnique(Clock::systemUTC))
                .secrets(secrets -> secrets.cache(SecretCacheSettings.builder().ttl(cache.ttl())
                        .negativeTtl(cache.negativeTtl()).maxStale(cache.maxStale()).build()))
                .registry(registry -> registry.certificates(certificates))
                .defaultEntry(properties.defaultEntry()).fallbackSni(properties.fallbackSni());
        issuedCertificates.ifUnique(store -> runtime.registry(registry -> registry.issuedCertificates(store)));
        VaultConnectionDefaults fallback = defaults.getIfAvailable();
        VaultConnection.settings(properties.vault(), fallback).ifPresentOrElse(vault -> {
            runtime.vault(properties.vault().secretObjectId(), vault);
            if (fallback != null) {
                LOG.info("vault-sni: unset parts of vault/{} from {}", properties.vault().secretObjectId(), fallback.source());
            }
        }, () -> LOG.info("vault-sni: no Vault address (vault-sni.vault.uri): only $env:// references and inline PEM resolve"));
        return runtime.build();
    }

    @Bean
    @ConditionalOnMissingBean
    SecretResolver vaultSniSecretResolver(VaultSniRuntime runtime) {
        return runtime.resolver();
    }

    @Bean
    @ConditionalOnMissingBean
    SslObjectRegistry vaultSniCertificateRegistry(VaultSniRuntime runtime) {
        return runtime.registry();
    }

    @Bean
    @ConditionalOnMissingBean
    SniBindings vaultSniBindings(SslObjectRegistry registry) {
        return new SniBindings(registry);
    }

    @Bean(initMethod = "start", destroyMethod = "close")
    VaultSniCertificateSources vaultSniCertificateSources(SniBindings bindings, VaultSniProperties properties,
                                                          Environment environment, VaultSniRuntime runtime) {
        return new VaultSniCertificateSources(bindings, properties, environment, runtime.scheduler());
    }

    /** The HTTPS connector, on Jetty (Boot's {@code spring-boot-jetty}, with Jetty's HTTP/2 and ALPN servers). */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({JettyWebServerFactory.class, HTTP2ServerConnectionFactory.class})
    @ConditionalOnWebApplication
    static class Jetty {
        @Bean
        VaultSniJettyCustomizer vaultSniJettyCustomizer(SniCertificates certificates) {
            return new VaultSniJettyCustomizer(certificates);
        }
    }

    /** Spring Cloud's refresh: {@code POST /actuator/refresh}, a config server's push, ... */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(EnvironmentChangeEvent.class)
    static class Refresh {
        @Bean
        ApplicationListener<EnvironmentChangeEvent> vaultSniRefreshListener(VaultSniCertificateSources sources) {
            return event -> sources.refresh();
        }
    }

    /** Spring Cloud Vault's address and authentication, for what {@code vault-sni.vault.*} leaves unset. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(VaultProperties.class)
    @ConditionalOnBean(VaultProperties.class)
    static class SpringCloudVault {
        @Bean
        VaultConnectionDefaults vaultSniSpringCloudVaultDefaults(VaultProperties properties) {
            return new SpringCloudVaultDefaults(properties);
        }
    }
}
