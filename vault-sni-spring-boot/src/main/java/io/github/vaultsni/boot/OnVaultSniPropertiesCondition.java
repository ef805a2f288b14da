package io.github.vaultsni.boot;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.ConfigurationPropertyState;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Matches when any {@code vault-sni.*} property is set (in any source: files, the environment, the command line)
 * and {@code vault-sni.enabled} is not {@code false}: adding the starter alone changes nothing.
 */
final class OnVaultSniPropertiesCondition extends SpringBootCondition {
    private static final ConfigurationPropertyName PREFIX = ConfigurationPropertyName.of("vault-sni");

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        Environment environment = context.getEnvironment();
        if (!environment.getProperty("vault-sni.enabled", Boolean.class, true)) {
            return ConditionOutcome.noMatch("vault-sni.enabled is false");
        }
        for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
            if (source.containsDescendantOf(PREFIX) == ConfigurationPropertyState.PRESENT) {
                return ConditionOutcome.match("vault-sni.* is set in " + source.getUnderlyingSource());
            }
        }
        return ConditionOutcome.noMatch("no vault-sni.* property is set");
    }
}
