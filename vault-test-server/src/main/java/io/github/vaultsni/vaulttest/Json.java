package io.github.vaultsni.vaulttest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** JSON in and out of the server, as plain maps and lists. */
final class Json {
    private static final ObjectMapper MAPPER = new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);
    private static final TypeReference<LinkedHashMap<String, Object>> MAP = new TypeReference<>() {
    };

    private Json() {
    }

    /** The request body as a map; an empty body is an empty map; anything else that is not an object is a 400. */
    static Map<String, Object> parseObject(byte[] body) {
        if (body.length == 0 || new String(body).isBlank()) {
            return new LinkedHashMap<>();
        }
        try {
            return MAPPER.readValue(body, MAP);
        } catch (JsonProcessingException e) {
            throw VaultError.badRequest("failed to parse JSON input: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw VaultError.badRequest("failed to parse JSON input");
        }
    }

    static byte[] write(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode response", e);
        }
    }

    /** A list parameter given as a JSON array or as a comma-separated string, as Vault accepts both. */
    static List<String> stringList(Object value) {
        if (value == null) {
            return List.of();
        }
        if (value instanceof List<?> list) {
            List<String> out = new ArrayList<>();
            list.forEach(v -> out.add(v.toString().trim()));
            return out;
        }
        String text = value.toString().trim();
        return text.isEmpty() ? List.of() : Arrays.stream(text.split(",")).map(String::trim).toList();
    }

    /** An ordered map from alternating keys and values; values may be null, as JSON's may. */
    static Map<String, Object> fields(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }
}
