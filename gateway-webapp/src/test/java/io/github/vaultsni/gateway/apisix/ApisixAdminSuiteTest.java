package io.github.vaultsni.gateway.apisix;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.github.vaultsni.gateway.Gateway;
import io.github.vaultsni.gateway.TestGatewayConfig;
import io.github.vaultsni.testsupport.TestPki;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Apache APISIX's own admin API tests ({@code t/admin/*.t}), replayed against {@code gateway.jar}'s admin API: the
 * requests and expectations of every block about what this gateway implements, translated into
 * {@code src/test/resources/apisix-admin/cases.jsonl} (how, and what was left out and why: the README and
 * {@code skipped.md} beside it), each file against a fresh gateway, its steps in order, compared as APISIX's
 * {@code t/lib/test_admin.lua} compares. A step that this gateway answers otherwise on purpose is listed in
 * {@code divergences.tsv} with its reason (README's "Differences from APISIX" says the same); it still runs, and a
 * listed step that passes fails the test, so the list stays true.
 */
@Timeout(120)
class ApisixAdminSuiteTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "apisix-suite-key";
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{pem:([a-z-]+):([a-z-]+)}");
    private static final Pattern REPEAT = Pattern.compile("\\$\\{repeat:(.):(\\d+)}");
    private static final Pattern CAPTURED = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");
    private static final Map<String, TestPki.Issued> PEMS = new LinkedHashMap<>();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @TempDir
    Path dir;

    @BeforeAll
    static void certificates() {
        TestPki.Issued root = TestPki.rootCa("APISIX suite CA", "EC");
        PEMS.put("test-rsa", root.leaf("RSA", "test.com", "*.test.com"));
        PEMS.put("test-ec", root.leaf("EC", "test.com"));
        PEMS.put("client-rsa", root.leaf("RSA", "admin.apisix.dev"));
    }

    static Stream<String> files() throws IOException {
        Set<String> files = new TreeSet<>();
        cases().forEach(c -> files.add(c.path("file").asText()));
        return files.stream();
    }

    private static List<JsonNode> cases() throws IOException {
        List<JsonNode> cases = new ArrayList<>();
        try (InputStream in = ApisixAdminSuiteTest.class.getResourceAsStream("/apisix-admin/cases.jsonl");
             BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line; (line = lines.readLine()) != null; ) {
                if (!line.isBlank()) {
                    cases.add(JSON.readTree(line));
                }
            }
        }
        return cases;
    }

    /** {@code file \t block \t step \t reason} lines; the key is file, block and step. */
    private static Map<String, String> divergences() throws IOException {
        Map<String, String> divergences = new LinkedHashMap<>();
        try (InputStream in = ApisixAdminSuiteTest.class.getResourceAsStream("/apisix-admin/divergences.tsv")) {
            if (in == null) {
                return divergences;
            }
            BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = lines.readLine()) != null; ) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] fields = line.split("\t", 4);
                divergences.put(fields[0] + "\t" + fields[1] + "\t" + fields[2], fields.length > 3 ? fields[3] : "");
            }
        }
        return divergences;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("files")
    void apisixsAdminTests_passHere_orDifferOnPurpose(String file) throws Exception {
        Map<String, String> divergences = divergences();
        List<String> failures = new ArrayList<>();
        try (Gateway gateway = Gateway.start(TestGatewayConfig.loopback(dir.resolve("data")).adminKey(KEY).build())) {
            Map<String, String> captured = new LinkedHashMap<>();
            String block = null;
            for (JsonNode step : cases()) {
                if (!step.path("file").asText().equals(file)) {
                    continue;
                }
                if (!step.path("block").asText().equals(block)) {
                    block = step.path("block").asText();
                    captured.clear();
                }
                String id = file + "\t" + block + "\t" + step.path("step").asInt();
                String failure;
                try {
                    failure = run(gateway.adminPort(), step, captured);
                } catch (IllegalArgumentException unsendable) { // a path with a value an earlier step did not give
                    failure = "not sent: " + unsendable.getMessage();
                }
                boolean divergent = divergences.containsKey(id);
                if (failure != null && !divergent) {
                    failures.add(block + " / step " + step.path("step").asInt() + ": " + failure);
                } else if (failure == null && divergent) {
                    failures.add(block + " / step " + step.path("step").asInt()
                            + ": passes, but is listed as a divergence (" + divergences.get(id) + ")");
                }
            }
        }
        assertTrue(failures.isEmpty(), file + ":\n" + String.join("\n", failures));
    }

    /** Sends one step; null when its answer is what APISIX's test expects, else what differs. */
    private String run(int port, JsonNode step, Map<String, String> captured) throws Exception {
        long sleep = step.path("sleep_before_ms").asLong();
        if (sleep >= 1000) {
            Thread.sleep(sleep); // not a wait for the gateway: a test of time (a ttl, a second's update_time)
        }
        String path = substitute(step.path("path").asText(), captured);
        String query = step.path("query").isNull() ? null : substitute(step.path("query").asText(), captured);
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path
                + (query == null ? "" : "?" + query))).timeout(Duration.ofSeconds(20)).header("X-API-KEY", KEY);
        boolean ownContentType = step.path("headers").has("Content-Type") || step.path("headers").has("content-type");
        if (!ownContentType && !step.path("notes").asText().contains("sent by Test::Nginx itself")) {
            request.header("Content-Type", "application/x-www-form-urlencoded");
        }
        step.path("headers").fields().forEachRemaining(h -> request.header(h.getKey(), h.getValue().asText()));
        String body = body(step);
        request.method(step.path("method").asText(), body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> answer = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        String differs = compare(step, answer);
        capture(step, answer, captured);
        return differs == null ? null : differs + "\n      sent " + step.path("method").asText() + " " + path
                + (query == null ? "" : "?" + query) + (body == null ? "" : " " + abbreviate(body)) + "\n      got "
                + answer.statusCode() + " " + abbreviate(answer.body());
    }

    private static String abbreviate(String text) {
        return text.length() > 400 ? text.substring(0, 400) + "..." : text;
    }

    private static String body(JsonNode step) throws IOException {
        return switch (step.path("body_kind").asText()) {
            case "json" -> JSON.writeValueAsString(placeholders(step.path("body")));
            case "raw" -> pems(step.path("body").asText());
            case "template" -> {
                Matcher m = REPEAT.matcher(step.path("body").asText());
                StringBuilder out = new StringBuilder();
                while (m.find()) {
                    m.appendReplacement(out, Matcher.quoteReplacement(m.group(1).repeat(Integer.parseInt(m.group(2)))));
                }
                yield m.appendTail(out).toString();
            }
            default -> null;
        };
    }

    /** What differs between the answer and the step's expectations; null when nothing does. */
    private static String compare(JsonNode step, HttpResponse<String> answer) throws IOException {
        int expected = step.path("expect_status").asInt(0);
        int status = answer.statusCode();
        if (expected != 0 && status != expected
                && !(expected == 200 && step.path("status_2xx_ok").asBoolean() && status / 100 == 2)) {
            return "status " + status + ", expected " + expected;
        }
        String raw = answer.body();
        JsonNode json = parse(raw);
        if (step.hasNonNull("expect_raw") && !pems(step.path("expect_raw").asText()).equals(raw)) {
            return "raw answer differs, expected " + abbreviate(pems(step.path("expect_raw").asText()));
        }
        if (step.hasNonNull("expect_raw_json") && !step.hasNonNull("expect_raw")
                && !equalJson(placeholders(step.path("expect_raw_json")), json)) {
            return "answer differs, expected " + step.path("expect_raw_json");
        }
        if (step.hasNonNull("expect_body")) {
            JsonNode want = placeholders(step.path("expect_body"));
            if ("exact".equals(step.path("expect_body_mode").asText())) {
                JsonNode got = json == null ? null : json.deepCopy();
                for (JsonNode check : step.path("checks")) {
                    if ("ignore".equals(check.path("op").asText()) && got != null) {
                        remove(got, check.path("pointer").asText());
                    }
                }
                if (!equalJson(want, got)) {
                    return "answer is not exactly " + want;
                }
            } else if (json == null || !subset(want, json)) {
                return "answer does not hold " + want;
            }
        }
        if (step.hasNonNull("expect_body_pattern")
                && !Pattern.compile(step.path("expect_body_pattern").asText()).matcher(raw).find()) {
            return "answer does not match /" + step.path("expect_body_pattern").asText() + "/";
        }
        for (Iterator<Map.Entry<String, JsonNode>> h = step.path("expect_headers").fields(); h.hasNext(); ) {
            Map.Entry<String, JsonNode> header = h.next();
            String value = answer.headers().firstValue(header.getKey()).orElse(null);
            String want = header.getValue().isNull() ? null : header.getValue().asText();
            if (want == null ? value != null : !want.equals(value)) {
                return "header " + header.getKey() + ": " + value + ", expected " + want;
            }
        }
        for (Iterator<Map.Entry<String, JsonNode>> h = step.path("expect_headers_pattern").fields(); h.hasNext(); ) {
            Map.Entry<String, JsonNode> header = h.next();
            String value = answer.headers().firstValue(header.getKey()).orElse("");
            if (!Pattern.compile(header.getValue().asText()).matcher(value).find()) {
                return "header " + header.getKey() + ": " + value + ", expected /" + header.getValue().asText() + "/";
            }
        }
        for (JsonNode check : step.path("checks")) {
            String differs = check(json, check);
            if (differs != null) {
                return differs;
            }
        }
        return null;
    }

    private static String check(JsonNode json, JsonNode check) {
        String op = check.path("op").asText();
        if (op.equals("ignore")) {
            return null;
        }
        List<JsonNode> values = resolve(json, check.path("pointer").asText());
        JsonNode want = placeholders(check.path("value"));
        boolean holds = switch (op) {
            case "exists" -> !values.isEmpty();
            case "absent" -> values.isEmpty();
            case "equals", "each_equals" -> !values.isEmpty() && values.stream().allMatch(v -> equalJson(want, v));
            case "length" -> values.size() == 1 && values.get(0).isArray() && values.get(0).size() == want.asInt();
            case "min_length" -> values.size() == 1 && values.get(0).isArray() && values.get(0).size() >= want.asInt();
            case "each_in" -> values.stream().allMatch(v -> {
                for (JsonNode allowed : want) {
                    if (equalJson(allowed, v)) {
                        return true;
                    }
                }
                return false;
            });
            case "strictly_ascending" -> {
                for (int i = 1; i < values.size(); i++) {
                    if (values.get(i).asDouble() <= values.get(i - 1).asDouble()) {
                        yield false;
                    }
                }
                yield true;
            }
            default -> throw new IllegalArgumentException("unknown check " + op);
        };
        return holds ? null : "check " + op + " " + check.path("pointer").asText() + " " + want + " failed: " + values;
    }

    /** The values a pointer names; {@code *} is every element of an array. */
    private static List<JsonNode> resolve(JsonNode json, String pointer) {
        List<JsonNode> at = new ArrayList<>();
        if (json != null) {
            at.add(json);
        }
        if (pointer.isEmpty()) {
            return at;
        }
        for (String segment : pointer.substring(1).split("/", -1)) {
            String name = segment.replace("~1", "/").replace("~0", "~");
            List<JsonNode> next = new ArrayList<>();
            for (JsonNode node : at) {
                if (name.equals("*")) {
                    node.forEach(next::add);
                } else if (node.isArray() && name.chars().allMatch(Character::isDigit) && !name.isEmpty()) {
                    if (node.has(Integer.parseInt(name))) {
                        next.add(node.get(Integer.parseInt(name)));
                    }
                } else if (node.isObject() && node.has(name)) {
                    next.add(node.get(name));
                }
            }
            at = next;
        }
        return at;
    }

    private static void remove(JsonNode json, String pointer) {
        int slash = pointer.lastIndexOf('/');
        String name = pointer.substring(slash + 1).replace("~1", "/").replace("~0", "~");
        for (JsonNode parent : resolve(json, pointer.substring(0, slash))) {
            if (parent instanceof ObjectNode object) {
                object.remove(name);
            } else if (parent instanceof ArrayNode array && name.equals("*")) {
                array.removeAll();
            }
        }
    }

    /** APISIX's {@code comp_tab}: every key of {@code want} in {@code got}, equal, recursively. */
    private static boolean subset(JsonNode want, JsonNode got) {
        if (got == null) {
            return false;
        }
        if (want.isObject()) {
            if (want.isEmpty()) {
                return true;
            }
            if (!got.isObject()) {
                return false;
            }
            for (Iterator<Map.Entry<String, JsonNode>> f = want.fields(); f.hasNext(); ) {
                Map.Entry<String, JsonNode> field = f.next();
                if (!subset(field.getValue(), got.get(field.getKey()))) {
                    return false;
                }
            }
            return true;
        }
        if (want.isArray()) {
            if (want.isEmpty()) {
                return true;
            }
            if (!got.isArray() || got.size() < want.size()) {
                return false;
            }
            for (int i = 0; i < want.size(); i++) {
                if (!subset(want.get(i), got.get(i))) {
                    return false;
                }
            }
            return true;
        }
        return equalJson(want, got);
    }

    private static boolean equalJson(JsonNode a, JsonNode b) {
        if (a == null || b == null) {
            return a == b;
        }
        if (a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue()) == 0;
        }
        if (a.isContainerNode() && b.isContainerNode() && a.isEmpty() && b.isEmpty()) {
            return true; // APISIX's test encoder prints every empty table as []
        }
        if (a.isObject() && b.isObject()) {
            if (a.size() != b.size()) {
                return false;
            }
            for (Iterator<Map.Entry<String, JsonNode>> f = a.fields(); f.hasNext(); ) {
                Map.Entry<String, JsonNode> field = f.next();
                if (!equalJson(field.getValue(), b.get(field.getKey()))) {
                    return false;
                }
            }
            return true;
        }
        if (a.isArray() && b.isArray()) {
            if (a.size() != b.size()) {
                return false;
            }
            for (int i = 0; i < a.size(); i++) {
                if (!equalJson(a.get(i), b.get(i))) {
                    return false;
                }
            }
            return true;
        }
        return a.equals(b);
    }

    private static JsonNode parse(String raw) {
        try {
            return raw.isBlank() ? null : JSON.readTree(raw);
        } catch (IOException e) {
            return null;
        }
    }

    private static void capture(JsonNode step, HttpResponse<String> answer, Map<String, String> captured) {
        JsonNode json = parse(answer.body());
        for (Iterator<Map.Entry<String, JsonNode>> c = step.path("capture").fields(); c.hasNext(); ) {
            Map.Entry<String, JsonNode> capture = c.next();
            List<JsonNode> values = resolve(json, capture.getValue().path("pointer").asText());
            if (!values.isEmpty()) {
                String value = values.get(0).asText();
                String prefix = capture.getValue().path("strip_prefix").asText("");
                captured.put(capture.getKey(), value.startsWith(prefix) ? value.substring(prefix.length()) : value);
            }
        }
    }

    private static String substitute(String text, Map<String, String> captured) {
        Matcher m = CAPTURED.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(captured.getOrDefault(m.group(1), m.group(0))));
        }
        return m.appendTail(out).toString();
    }

    /** {@code ${pem:NAME:PART}} replaced everywhere in a JSON value: this suite's own certificates for APISIX's. */
    private static JsonNode placeholders(JsonNode value) {
        if (value.isTextual()) {
            return TextNode.valueOf(pems(value.asText()));
        }
        if (value.isContainerNode()) {
            JsonNode copy = value.deepCopy();
            if (copy instanceof ObjectNode object) {
                object.fields().forEachRemaining(f -> f.setValue(placeholders(f.getValue())));
            } else if (copy instanceof ArrayNode array) {
                for (int i = 0; i < array.size(); i++) {
                    array.set(i, placeholders(array.get(i)));
                }
            }
            return copy;
        }
        return value;
    }

    private static String pems(String text) {
        Matcher m = PLACEHOLDER.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(pem(m.group(1), m.group(2))));
        }
        return m.appendTail(out).toString();
    }

    /** A certificate or key of this suite, as APISIX's test wrote it: without its last newline; or cut short. */
    private static String pem(String name, String part) {
        TestPki.Issued issued = PEMS.get(name);
        String pem = switch (part) {
            case "cert", "cert-cut" -> issued.certificatePem();
            case "key", "key-cut" -> issued.traditionalPrivateKeyPem();
            default -> throw new IllegalArgumentException(part);
        };
        pem = pem.strip();
        if (part.endsWith("-cut")) {
            String[] lines = pem.split("\n");
            pem = String.join("\n", lines[0], lines[1], lines[2], lines[lines.length - 2], lines[lines.length - 1]);
        }
        return pem;
    }
}
