package io.github.vaultsni.secret;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.Objects;
import java.util.function.Function;

/**
 * Resolves {@code $env://NAME[/field]}: the variable's value, or one field of the JSON object it holds.
 * The environment is read on every call (it is a map lookup), so nothing is cached.
 */
final class EnvSecrets {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final Function<String, String> environment;

    EnvSecrets(Function<String, String> environment) {
        this.environment = Objects.requireNonNull(environment, "environment");
    }

    String resolve(SecretReference reference) {
        String name = reference.location().path();
        String value = environment.apply(name);
        if (value == null) {
            throw new SecretException(SecretException.Kind.NOT_FOUND,
                    "environment variable " + name + " is not set").forReference(reference);
        }
        if (reference.field().isEmpty()) {
            return value;
        }
        String field = reference.field().get();
        JsonNode json;
        try {
            json = MAPPER.readTree(value);
        } catch (JsonProcessingException e) {
            json = null;
        }
        if (json == null || !json.isObject()) {
            throw new SecretException(SecretException.Kind.BAD_RESPONSE,
                    "environment variable " + name + " does not hold a JSON object").forReference(reference);
        }
        JsonNode node = json.get(field);
        if (node == null || node.isNull()) {
            throw new SecretException(SecretException.Kind.MISSING_FIELD,
                    "environment variable " + name + " has no field " + field).forReference(reference);
        }
        return node.isTextual() ? node.asText() : node.toString();
    }
}
