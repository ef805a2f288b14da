package io.github.vaultsni.gateway.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.vaultsni.gateway.store.FileConfigStore;
import io.github.vaultsni.gateway.store.SecretCipher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.InputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * APISIX's own accepted and refused objects (from its {@code t/admin/*.t} and {@code t/node/*.t}, in
 * {@code src/test/resources/apisix-examples}), written through the admin API: each is accepted or refused as APISIX
 * does, with APISIX's message where its test pins one; where this gateway decides otherwise on purpose, the case
 * says so ({@code ours}) and gives the outcome here ({@code expected}), or why its message differs
 * ({@code ours_message}).
 */
class ApisixExamplesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    private FileConfigStore store;
    private AdminApi api;

    @BeforeEach
    void start() {
        store = FileConfigStore.open(dir.resolve("data"));
        api = new AdminApi(store, SecretCipher.fromBase64(Base64.getEncoder().encodeToString(new byte[32])),
                Clock.systemUTC(), ObjectStatuses.NONE);
    }

    @AfterEach
    void stop() {
        store.close();
    }

    static Stream<Arguments> cases() throws Exception {
        List<Arguments> cases = new ArrayList<>();
        for (String resource : List.of("ssls", "routes", "upstreams", "secrets")) {
            try (InputStream in = ApisixExamplesTest.class.getResourceAsStream("/apisix-examples/" + resource + ".json")) {
                for (JsonNode c : JSON.readTree(in)) {
                    cases.add(Arguments.of(resource, c.get("source").asText(), c));
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void writtenThroughTheAdminApi_isJudgedAsApisixJudgesIt(String resource, String source, JsonNode c) {
        ObjectNode body = (ObjectNode) c.get("body").deepCopy();
        String path = "/" + (resource.equals("secrets") ? "secrets/vault" : resource);
        String method = "POST";
        if (resource.equals("secrets")) { // PUT /secrets/vault/<id>: APISIX sets the body's id to vault/<id> itself
            method = "PUT";
            path += "/" + (body.has("id") ? body.remove("id").asText().replaceFirst("^vault/", "") : "example");
        } else if (body.has("id")) {
            method = "PUT";
        }
        AdminResponse answer = api.handle(method, path, Map.of(), body.toString());
        boolean expected = c.has("expected") ? c.get("expected").asBoolean() : c.get("valid").asBoolean();
        String message = answer.body().path("error_msg").asText(null);
        assertEquals(expected, answer.status() < 300, source + " answered " + answer.status() + " " + answer.body());
        if (!expected && !c.has("expected") && !c.has("ours_message") && c.hasNonNull("apisix_error")
                && !c.has("apisix_error_like")) {
            assertEquals(c.get("apisix_error").asText(), message, source);
        }
    }
}
