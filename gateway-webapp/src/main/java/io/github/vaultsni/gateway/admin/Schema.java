package io.github.vaultsni.gateway.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Set;
import java.util.regex.Pattern;

/**
 * The few JSON-schema checks the admin API needs, each failing with the message APISIX's validator gives:
 * {@code property "x" is required}, {@code property "x" validation failed: wrong type: expected string, got
 * number}, and so on. {@code name} is the field's path as the message shows it.
 */
final class Schema {
    private Schema() {
    }

    static void required(ObjectNode object, String field) {
        if (!object.hasNonNull(field)) {
            throw AdminException.invalid("property \"" + field + "\" is required");
        }
    }

    static void allowOnly(ObjectNode object, Set<String> fields) {
        object.fieldNames().forEachRemaining(name -> {
            if (!fields.contains(name)) {
                throw AdminException.invalid("additional properties forbidden, found " + name);
            }
        });
    }

    static String string(JsonNode value, String name, int min, int max) {
        if (!value.isTextual()) {
            throw wrongType(name, "string", value);
        }
        String text = value.asText();
        if (text.length() < min) {
            throw failed(name, "string too short, expected at least " + min + ", got " + text.length());
        }
        if (text.length() > max) {
            throw failed(name, "string too long, expected at most " + max + ", got " + text.length());
        }
        return text;
    }

    static String pattern(JsonNode value, String name, Pattern pattern) {
        String text = string(value, name, 1, Integer.MAX_VALUE);
        if (!pattern.matcher(text).find()) {
            throw failed(name, "failed to match pattern \"" + pattern.pattern() + "\" with \"" + text + "\"");
        }
        return text;
    }

    static void oneOf(JsonNode value, String name, Set<?> allowed) {
        Object v = value.isTextual() ? value.asText() : value.isIntegralNumber() ? (Object) value.asInt() : value.toString();
        if (!allowed.contains(v)) {
            throw failed(name, "matches none of the enum values");
        }
    }

    static long integer(JsonNode value, String name, long min, long max) {
        if (!value.isIntegralNumber()) {
            throw wrongType(name, "integer", value);
        }
        long n = value.asLong();
        if (n < min) {
            throw failed(name, "expected " + n + " to be at least " + min);
        }
        if (n > max) {
            throw failed(name, "expected " + n + " to be at most " + max);
        }
        return n;
    }

    static double positiveNumber(JsonNode value, String name) {
        if (!value.isNumber()) {
            throw wrongType(name, "number", value);
        }
        if (value.asDouble() <= 0) {
            throw failed(name, "expected " + value.asText() + " to be greater than 0");
        }
        return value.asDouble();
    }

    static void bool(JsonNode value, String name) {
        if (!value.isBoolean()) {
            throw wrongType(name, "boolean", value);
        }
    }

    static ObjectNode object(JsonNode value, String name) {
        if (!value.isObject()) {
            throw wrongType(name, "object", value);
        }
        return (ObjectNode) value;
    }

    static JsonNode array(JsonNode value, String name, int minItems) {
        if (!value.isArray()) {
            throw wrongType(name, "array", value);
        }
        if (value.size() < minItems) {
            throw failed(name, "expect array to have at least " + minItems + " items");
        }
        return value;
    }

    static AdminException failed(String name, String why) {
        return AdminException.invalid("property \"" + name + "\" validation failed: " + why);
    }

    private static AdminException wrongType(String name, String expected, JsonNode value) {
        return failed(name, "wrong type: expected " + expected + ", got " + typeOf(value));
    }

    private static String typeOf(JsonNode value) {
        if (value.isTextual()) {
            return "string";
        }
        if (value.isNumber()) {
            return "number";
        }
        if (value.isBoolean()) {
            return "boolean";
        }
        if (value.isArray()) {
            return "array";
        }
        return value.isObject() ? "object" : "null";
    }
}
