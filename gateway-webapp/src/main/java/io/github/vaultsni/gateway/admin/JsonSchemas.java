package io.github.vaultsni.gateway.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import com.networknt.schema.dialect.Dialect;
import com.networknt.schema.dialect.Dialects;
import com.networknt.schema.keyword.AnnotationKeyword;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * APISIX's admin schemas as data ({@code schema/*.json} beside this class, written from APISIX's
 * {@code schema_def.lua}, this project's additions marked {@code "$comment": "ours: ..."}), checked by networknt's
 * JSON Schema validator; and the one place that words its findings as APISIX's lua-resty-jsonschema does:
 * {@code invalid configuration: property "upstream" validation failed: property "retries" validation failed:
 * expected -1 to be at least 0}. APISIX stops at the first failure; so does this, in the order the schema lists
 * its keywords.
 */
final class JsonSchemas {
    private static final String BASE = "https://vaultsni.github.io/schema/";
    private static final String RESOURCES = "io/github/vaultsni/gateway/schema/";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Draft 2020-12 knowing {@code x-apisix-pattern}, APISIX's spelling of a pattern kept for its messages. */
    private static final Dialect DIALECT = Dialect.builder(Dialects.getDraft202012())
            .keyword(new AnnotationKeyword("x-apisix-pattern")).build();
    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(DIALECT,
            builder -> builder.schemaIdResolvers(resolvers -> resolvers.mapPrefix(BASE, "classpath:" + RESOURCES)));

    private final Map<String, Schema> schemas = new ConcurrentHashMap<>();
    /** The schema documents themselves, for what an error does not carry (the required sets of an anyOf). */
    private final Map<String, JsonNode> documents = new HashMap<>();

    /** APISIX's schemas, loaded once. */
    static JsonSchemas apisix() {
        return Holder.SCHEMAS;
    }

    private static final class Holder {
        static final JsonSchemas SCHEMAS = new JsonSchemas();
    }

    private JsonSchemas() {
        for (String file : List.of("definitions.json", "ssl.json", "route.json", "upstream.json", "service.json",
                "secret-vault.json", "plugin-prometheus.json")) {
            try (InputStream in = JsonSchemas.class.getClassLoader().getResourceAsStream(RESOURCES + file)) {
                documents.put(BASE + file, JSON.readTree(in));
            } catch (IOException | RuntimeException e) {
                throw new IllegalStateException("cannot read the schema " + file, e);
            }
            if (!file.equals("definitions.json")) {
                schemas.put(file, REGISTRY.getSchema(SchemaLocation.of(BASE + file)));
            }
        }
        JsonNode idOnly = JSON.createObjectNode().put("$schema", SpecificationVersion.DRAFT_2020_12.getDialectId())
                .put("$id", BASE + "id.json").set("properties", JSON.createObjectNode().set("id",
                        JSON.createObjectNode().put("$ref", "definitions.json#/$defs/id")));
        schemas.put("id", REGISTRY.getSchema(SchemaLocation.of(BASE + "id.json"), idOnly));
    }

    /**
     * Checks a value against one of the shared definitions ({@code upstream_hash_header}, ...), as APISIX's code
     * does after its schema: the message names no property ({@code invalid configuration: failed to match pattern
     * ... with ...}).
     */
    void checkValue(String definition, JsonNode value) {
        checkValue(definition, value, null);
    }

    /** As {@link #checkValue(String, JsonNode)}, the message naming {@code property} (null: none) as APISIX's do. */
    void checkValue(String definition, JsonNode value, String property) {
        Schema schema = schemas.computeIfAbsent("#" + definition,
                d -> REGISTRY.getSchema(SchemaLocation.of(BASE + "definitions.json#/$defs/" + definition)));
        List<Error> errors = schema.validate(value);
        if (!errors.isEmpty()) {
            String wording = new Wording(errors, value).message();
            throw AdminException.invalid(property == null ? wording
                    : "property \"" + property + "\" validation failed: " + wording);
        }
    }

    /** Checks an object's id as APISIX's {@code id_schema} does: 1-64 of {@code [a-zA-Z0-9-_.]}, or an integer >= 1. */
    void checkId(JsonNode id) {
        check("id", JSON.createObjectNode().set("id", id));
    }

    /**
     * Checks {@code value} against the schema {@code file} ({@code ssl.json}, ...).
     *
     * @throws AdminException 400 with APISIX's message for the first failure
     */
    void check(String file, JsonNode value) {
        problem(file, value).ifPresent(why -> {
            throw AdminException.invalid(why);
        });
    }

    /** The first failure of {@code value} against the schema {@code file}, in APISIX's words; empty if it passes. */
    Optional<String> problem(String file, JsonNode value) {
        List<Error> errors = schemas.get(file).validate(value);
        return errors.isEmpty() ? Optional.empty() : Optional.of(new Wording(errors, value).message());
    }

    /**
     * The schema {@code file} as APISIX's {@code GET /apisix/admin/schema/<name>} answers: one self-contained
     * document (references replaced by what they name), without this project's notes ({@code $comment}, the
     * {@code $schema}/{@code $id}/{@code title} header) and with APISIX's own spelling of patterns.
     */
    JsonNode published(String file) {
        return inlined(documents.get(BASE + file), BASE + file);
    }

    private JsonNode inlined(JsonNode node, String document) {
        if (node.isArray()) {
            ArrayNode out = JSON.createArrayNode();
            node.forEach(element -> out.add(inlined(element, document)));
            return out;
        }
        if (!node.isObject()) {
            return node;
        }
        if (node.has("$ref")) {
            String ref = node.get("$ref").asText();
            String target = ref.startsWith("#") ? document + ref : BASE + ref;
            return inlined(resolve(target.contains("#") ? target : target + "#"), target.split("#")[0]);
        }
        ObjectNode out = JSON.createObjectNode();
        node.properties().forEach(e -> {
            switch (e.getKey()) {
                case "$comment", "$schema", "$id", "title", "x-apisix-pattern" -> { }
                case "pattern" -> out.set("pattern", node.has("x-apisix-pattern") ? node.get("x-apisix-pattern") : e.getValue());
                default -> out.set(e.getKey(), e.getKey().equals("properties") || e.getKey().equals("$defs")
                        ? inlinedMembers(e.getValue(), document) : inlined(e.getValue(), document));
            }
        });
        return out;
    }

    /** A {@code properties} object: its member names are names, not keywords, and are all kept. */
    private JsonNode inlinedMembers(JsonNode members, String document) {
        ObjectNode out = JSON.createObjectNode();
        members.properties().forEach(e -> out.set(e.getKey(), inlined(e.getValue(), document)));
        return out;
    }

    /** The first failure of one validation, in APISIX's words. */
    private final class Wording {
        private final List<Error> errors;
        private final JsonNode root;

        Wording(List<Error> errors, JsonNode root) {
            this.errors = errors;
            this.root = root;
        }

        String message() {
            return describe(errors.get(0), 0, 0, root, new StringBuilder());
        }

        /**
         * Walks {@code error}'s evaluation path from segment {@code from}, the instance from segment {@code at},
         * saying where it failed as APISIX nests it, then what failed.
         */
        private String describe(Error error, int from, int at, JsonNode node, StringBuilder out) {
            List<String> path = segments(error.getEvaluationPath().toString());
            List<String> instance = segments(error.getInstanceLocation().toString());
            for (int i = from; i < path.size() - 1; i++) {
                String step = path.get(i);
                switch (step) {
                    case "properties", "patternProperties" -> {
                        String name = instance.get(at++);
                        out.append(step.equals("properties") ? "property \"" + name + "\" validation failed: "
                                : "failed to validate " + name + " (matching \"" + path.get(i + 1) + "\"): ");
                        node = node.path(name);
                        i++;
                    }
                    case "items" -> {
                        int index = Integer.parseInt(instance.get(at++));
                        out.append("failed to validate item ").append(index + 1).append(": ");
                        node = node.path(index);
                    }
                    case "prefixItems" -> {
                        int index = Integer.parseInt(instance.get(at++));
                        out.append("failed to validate item ").append(index + 1).append(": ");
                        node = node.path(index);
                        i++;
                    }
                    case "additionalProperties", "propertyNames" -> {
                        String name = instance.size() > at ? instance.get(at++) : "";
                        node = node.path(name);
                    }
                    case "allOf" -> out.append("allOf ").append(Integer.parseInt(path.get(++i)) + 1).append(" failed: ");
                    case "anyOf" -> {
                        String anyOf = "/" + String.join("/", path.subList(0, i + 1));
                        Error beside = besideSecretReference(anyOf);
                        if (beside != null) { // APISIX skips its checks for a reference rather than offering one
                            return describe(beside, i + 2, at, node, out);
                        }
                        return out.append("object matches none of the required").append(requiredSets(error, i)).toString();
                    }
                    case "then", "else" -> {
                        return out.append(step).append(" clause did not match").toString();
                    }
                    case "not" -> {
                        return out.append("value wasn't supposed to match schema").toString();
                    }
                    case "dependentSchemas" -> out.append("failed to validate dependent schema for \"")
                            .append(path.get(++i)).append("\": ");
                    default -> {
                        // $ref, $defs names, numbers of a oneOf's failed branch: no word of their own
                    }
                }
            }
            return out.append(keyword(error, node)).toString();
        }

        /** In an anyOf between a secret reference and a checked value, the error of the checked value. */
        private Error besideSecretReference(String anyOf) {
            boolean offersReference = false;
            Error other = null;
            for (Error e : errors) {
                String path = e.getEvaluationPath().toString();
                if (path.startsWith(anyOf + "/")) {
                    if (e.getSchemaLocation().toString().contains("/$defs/secret_ref/")) {
                        offersReference = true;
                    } else if (other == null) {
                        other = e;
                    }
                }
            }
            return offersReference ? other : null;
        }

        /** {@code : ["a"] or ["b","c"]} when every branch of the anyOf is a {@code required} set, as APISIX says. */
        private String requiredSets(Error error, int anyOfIndex) {
            String location = error.getSchemaLocation().toString();
            int at = location.indexOf("/anyOf/");
            if (at < 0) {
                return "";
            }
            JsonNode anyOf = resolve(location.substring(0, at + "/anyOf".length()));
            if (!anyOf.isArray()) {
                return "";
            }
            List<String> sets = new ArrayList<>();
            for (JsonNode branch : anyOf) {
                if (branch.size() != 1 || !branch.has("required")) {
                    return "";
                }
                sets.add(branch.get("required").toString());
            }
            return ": " + String.join(" or ", sets);
        }

        /** What failed, in lua-resty-jsonschema's words. */
        private String keyword(Error error, JsonNode node) {
            Object[] args = error.getArguments();
            String limit = args == null || args.length == 0 ? "" : String.valueOf(args[0]);
            return switch (error.getKeyword()) {
                case "type" -> "wrong type: expected " + args[1] + ", got " + luaType(node);
                case "pattern" -> "failed to match pattern " + quoted(apisixPattern(error, limit)) + " with " + quoted(node.asText());
                case "minLength" -> "string too short, expected at least " + limit + ", got " + length(node);
                case "maxLength" -> "string too long, expected at most " + limit + ", got " + length(node);
                case "minimum" -> "expected " + node.asText() + " to be at least " + limit;
                case "maximum" -> "expected " + node.asText() + " to be at most " + limit;
                case "exclusiveMinimum" -> "expected " + node.asText() + " to be greater than " + limit;
                case "exclusiveMaximum" -> "expected " + node.asText() + " to be smaller than " + limit;
                case "enum", "const" -> "matches none of the enum values";
                case "required" -> "property \"" + error.getProperty() + "\" is required";
                case "dependentRequired" -> "failed to validate dependent schema for \"" + error.getProperty()
                        + "\": property \"" + missingDependency(error, node) + "\" is required";
                case "additionalProperties" -> "additional properties forbidden, found " + error.getProperty();
                case "minItems" -> "expect array to have at least " + limit + " items";
                case "maxItems" -> "expect array to have at most " + limit + " items";
                case "minProperties" -> "expect object to have at least " + limit + " properties";
                case "maxProperties" -> "expect object to have at most " + limit + " properties";
                case "uniqueItems" -> duplicates(node);
                case "oneOf" -> oneOf(args);
                case "anyOf" -> "object matches none of the required";
                case "not" -> "value wasn't supposed to match schema";
                default -> error.getMessage();
            };
        }

        /**
         * lua-resty-jsonschema's oneOf message from networknt's arguments: how many branches matched, and which
         * ({@code "0, 1"}).
         */
        private static String oneOf(Object[] args) {
            String[] matched = args == null || args.length < 2 ? new String[0] : String.valueOf(args[1]).split(",\\s*");
            if (matched.length < 2) {
                return "value should match only one schema, but matches none";
            }
            return "value should match only one schema, but matches both schemas " + (Integer.parseInt(matched[0].trim()) + 1)
                    + " and " + (Integer.parseInt(matched[1].trim()) + 1);
        }

        /** What {@code dependentRequired} asks of the property present ({@link Error#getProperty()}) and is missing. */
        private String missingDependency(Error error, JsonNode node) {
            for (JsonNode required : schemaNode(error).path(error.getProperty())) {
                if (!node.has(required.asText())) {
                    return required.asText();
                }
            }
            return "";
        }

        /** APISIX's own spelling of a pattern, where the schema keeps it ({@code x-apisix-pattern}). */
        private String apisixPattern(Error error, String pattern) {
            JsonNode keyword = schemaNode(error);
            String location = error.getSchemaLocation().toString();
            JsonNode parent = resolve(location.substring(0, location.lastIndexOf('/')));
            return parent.hasNonNull("x-apisix-pattern") ? parent.get("x-apisix-pattern").asText() : keyword.isTextual()
                    ? keyword.asText() : pattern;
        }

        /** The schema node an error's schema location points at. */
        private JsonNode schemaNode(Error error) {
            return resolve(error.getSchemaLocation().toString());
        }
    }

    /** The node at a schema location ({@code <document>#<pointer>}); missing when it cannot be found. */
    private JsonNode resolve(String location) {
        int hash = location.indexOf('#');
        JsonNode node = hash < 0 ? null : documents.get(location.substring(0, hash));
        if (node == null) {
            return JSON.missingNode();
        }
        for (String step : segments(location.substring(hash + 1))) {
            node = node.isArray() && step.chars().allMatch(Character::isDigit) ? node.path(Integer.parseInt(step)) : node.path(step);
        }
        return node;
    }

    /** Lua's names for JSON's types, as APISIX's messages give them: arrays and objects are tables. */
    private static String luaType(JsonNode node) {
        if (node.isTextual()) {
            return "string";
        }
        if (node.isNumber()) {
            return "number";
        }
        if (node.isBoolean()) {
            return "boolean";
        }
        return node.isContainerNode() ? "table" : "userdata";
    }

    /** Lua's {@code %q}: in double quotes, backslashes and quotes escaped. */
    private static String quoted(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** A string's length as Lua counts it: UTF-8 code points. */
    private static int length(JsonNode node) {
        String text = node.asText();
        return text.codePointCount(0, text.length());
    }

    private static String duplicates(JsonNode array) {
        for (int i = 0; i < array.size(); i++) {
            for (int j = i + 1; j < array.size(); j++) {
                if (array.get(i).equals(array.get(j))) {
                    return "expected unique items but items " + (i + 1) + " and " + (j + 1) + " are equal";
                }
            }
        }
        return "expected unique items";
    }

    private static List<String> segments(String path) {
        List<String> out = new ArrayList<>();
        for (String s : path.split("/")) {
            if (!s.isEmpty()) {
                out.add(s.replace("~1", "/").replace("~0", "~"));
            }
        }
        return out;
    }
}
