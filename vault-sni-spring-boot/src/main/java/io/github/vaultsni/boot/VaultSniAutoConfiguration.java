package io.github.vaultsni.boot;

import io.github.vaultsni.issuer.IssuedCertificateStore;
import io.github.vaultsni.secret.SecretCacheSettings;
import io.github.vaultsni.secret.SecretResolver;
import io.github.vaultsni.sni.SniBindings;
import io.github.vaultsni.sni.SniCertificateRegistry;
import io.github.vaultsni.sni.SniCertificates;
import io.github.vaultsni.sni.SniEntryPreference;
import io.github.vaultsni.vault.VaultSecretManager;
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
 * {@link SecretResolver} with the Vault connection {@code vault-sni.vault.*} describes (or Spring Cloud Vault's),
 * a {@link SniCertificateRegistry} fed by {@code vault-sni.certificates} and the bindings file, and the Jetty
 * customizer that makes {@code server.port} serve them by SNI. With Spring Cloud's context on the class path, a
 * refresh of the environment applies a changed certificate list without restarting the web server.
 *
 * <p>Every bean may be replaced by one of the application's own of the same type.
 */
@AutoConfiguration(afterName = "org.springframework.cloud.vault.config.VaultAutoConfiguration")
@Conditional(OnVaultSniPropertiesCondition.class)
@EnableConfigurationProperties(VaultSniProperties.class)
public class VaultSniAutoConfiguration {
    private static final Logger LOG = LoggerFactory.getLogger(VaultSniAutoConfiguration.class);

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    SecretResolver vaultSniSecretResolver(VaultSniProperties properties, ObjectProvider<Clock> clock,
                                          ObjectProvider<VaultConnectionDefaults> defaults) {
        Clock time = clock.getIfUnique(Clock::systemUTC);
        VaultSniProperties.Cache cache = properties.cache();
        SecretCacheSettings.Builder settings = SecretCacheSettings.builder().ttl(cache.ttl())
                .negativeTtl(cache.negativeTtl()).maxStale(cache.maxStale());
        SecretResolver resolver = SecretResolver.builder().clock(time).cache(settings.build()).build();
        VaultConnectionDefaults fallback = defaults.getIfAvailable();
        VaultConnection.settings(properties.vault(), fallback).ifPresentOrElse(vault -> {
            String id = properties.vault().secretObjectId();
            resolver.register("vault", id, new VaultSecretManager(vault, time, resolver::resolveValue));
            LOG.info("vault-sni: secret object vault/{} is {}{}", id, vault,
                    fallback == null ? "" : " (unset parts from " + fallback.source() + ")");
        }, () -> LOG.info("vault-sni: no Vault address (vault-sni.vault.uri): only $env:// references and inline PEM resolve"));
        return resolver;
    }

    @Bean
    @ConditionalOnMissingBean
    SniCertificates vaultSniCertificates() {
        return new SniCertificates();
    }

    /**
     * The registry. Certificates issued by Vault PKI ({@code vault-sni.certificates[n].issuer}) are kept in memory
     * (a restart issues them again), or in the application's {@link IssuedCertificateStore} bean if it has one.
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    SniCertificateRegistry vaultSniCertificateRegistry(SecretResolver resolver, SniCertificates certificates,
                                                       ObjectProvider<Clock> clock,
                                                       ObjectProvider<IssuedCertificateStore> issuedCertificates) {
        SniCertificateRegistry registry = new SniCertificateRegistry(resolver, certificates,
                clock.getIfUnique(Clock::systemUTC), SniEntryPreference.newestValid());
        issuedCertificates.ifUnique(registry::setIssuedCertificateStore);
        return registry;
    }

    @Bean
    @ConditionalOnMissingBean
    SniBindings vaultSniBindings(SniCertificateRegistry registry) {
        return new SniBindings(registry);
    }

    @Bean(initMethod = "start", destroyMethod = "close")
    VaultSniCertificateSources vaultSniCertificateSources(SniBindings bindings, VaultSniProperties properties,
                                                          Environment environment) {
        return new VaultSniCertificateSources(bindings, properties, environment);
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
