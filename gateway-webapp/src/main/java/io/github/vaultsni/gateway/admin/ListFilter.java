package io.github.vaultsni.gateway.admin;

import com.fasterxml.jackson.databind.JsonNode;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A list's filters, as APISIX's v3 adapter applies them: {@code name} and {@code uri} are regular expressions
 * found in the object's name and in its {@code uri} or one of its {@code uris}; {@code label} a label key the
 * object has; {@code filter} ({@code field=value&...}, URL-encoded) exact values of the resource's filter fields,
 * other fields ignored as APISIX ignores them. An object lacking a filtered field is left out.
 */
record ListFilter(Pattern name, String label, Pattern uri, Map<String, String> fields) {

    static ListFilter of(Map<String, String> query, Set<String> filterFields) {
        Map<String, String> fields = new LinkedHashMap<>();
        String filter = query.get("filter");
        if (filter != null) {
            for (String pair : filter.split("&")) {
                int eq = pair.indexOf('=');
                String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                if (filterFields.contains(key)) {
                    fields.put(key, eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return new ListFilter(regex("name", query.get("name")), query.get("label"), regex("uri", query.get("uri")),
                Map.copyOf(fields));
    }

    boolean keeps(JsonNode value) {
        if (name != null && !(value.hasNonNull("name") && name.matcher(value.get("name").asText()).find())) {
            return false;
        }
        if (label != null && !value.path("labels").has(label)) {
            return false;
        }
        if (uri != null && !uriMatches(value)) {
            return false;
        }
        for (Map.Entry<String, String> field : fields.entrySet()) {
            if (!value.hasNonNull(field.getKey()) || !value.get(field.getKey()).asText().equals(field.getValue())) {
                return false;
            }
        }
        return true;
    }

    private boolean uriMatches(JsonNode value) {
        if (value.hasNonNull("uri") && uri.matcher(value.get("uri").asText()).find()) {
            return true;
        }
        for (JsonNode each : value.path("uris")) {
            if (uri.matcher(each.asText()).find()) {
                return true;
            }
        }
        return false;
    }

    private static Pattern regex(String parameter, String text) {
        try {
            return text == null ? null : Pattern.compile(text);
        } catch (PatternSyntaxException e) {
            throw AdminException.badRequest("invalid argument " + parameter + ": not a regular expression: "
                    + e.getDescription());
        }
    }
}
