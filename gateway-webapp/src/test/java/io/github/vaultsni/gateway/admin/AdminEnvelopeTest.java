package io.github.vaultsni.gateway.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.vaultsni.gateway.store.FileConfigStore;
import io.github.vaultsni.gateway.store.SecretCipher;
import io.github.vaultsni.testsupport.TestClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** APISIX's envelopes, status codes, paging, POST ids, PATCH semantics, and concurrent writers. */
class AdminEnvelopeTest {
    private static final String ROUTE = "{\"uri\":\"/a\",\"upstream\":{\"nodes\":{\"127.0.0.1:8080\":1},\"type\":\"roundrobin\"},"
            + "\"labels\":{\"team\":\"web\",\"tier\":\"1\"},\"methods\":[\"GET\",\"POST\"]}";

    @TempDir
    Path dir;
    private final TestClock clock = new TestClock();
    private FileConfigStore store;
    private AdminApi api;

    @BeforeEach
    void open() {
        store = FileConfigStore.open(dir);
        api = new AdminApi(store, SecretCipher.fromBase64(Base64.getEncoder().encodeToString(new byte[32])), clock,
                ObjectStatuses.NONE);
    }

    @AfterEach
    void close() {
        store.close();
    }

    private JsonNode ok(int status, String method, String path, String body) {
        AdminResponse answer = api.handle(method, path, Map.of(), body);
        assertEquals(status, answer.status(), answer.body()::toString);
        return answer.body();
    }

    /**
     * A literal key or token is in no answer. A reference ({@code $secret://}, {@code $env://}) says where a secret
     * is, not what it is: a write's answer shows it as sent, as APISIX's does, and so does a secret object's GET;
     * an SSL object's GET leaves key and keys out whatever they hold, as APISIX's resource.lua does.
     */
    @Test
    void answers_showReferencesAsAPISIXDoes_neverALiteralKeyOrToken() throws java.io.IOException {
        String refs = "{\"sni\":\"a.test\",\"cert\":\"$secret://vault/v/a/crt\",\"key\":\"$secret://vault/v/a/key\","
                + "\"certs\":[\"$env://CRT2\"],\"keys\":[\"$env://KEY2\"]}";
        String secret = "{\"uri\":\"http://127.0.0.1:8200\",\"prefix\":\"kv\",\"token\":\"$env://VAULT_TOKEN\"}";
        String approle = "{\"uri\":\"http://127.0.0.1:8200\",\"prefix\":\"kv\",\"auth\":{\"method\":\"approle\","
                + "\"role_id\":\"r\",\"secret_id\":\"$env://SECRET_ID\"}}";
        JsonNode written = ok(201, "PUT", "ssls/1", refs).get("value");
        assertEquals("$secret://vault/v/a/key", written.get("key").asText());
        assertEquals("$env://KEY2", written.get("keys").get(0).asText());
        assertEquals("$env://KEY2", ok(200, "PATCH", "ssls/1", "{\"desc\":\"x\"}").get("value").get("keys").get(0).asText());
        for (JsonNode got : List.of(ok(200, "GET", "ssls/1", null), ok(200, "GET", "ssls", null).path("list").get(0))) {
            assertFalse(got.get("value").has("key"), got::toString);
            assertFalse(got.get("value").has("keys"), got::toString);
            assertEquals("$secret://vault/v/a/crt", got.get("value").get("cert").asText());
        }
        assertEquals("$env://VAULT_TOKEN", ok(201, "PUT", "secrets/vault/v", secret).get("value").get("token").asText());
        assertEquals("$env://VAULT_TOKEN", ok(200, "GET", "secrets/vault/v", null).get("value").get("token").asText());
        assertEquals("$env://SECRET_ID", ok(201, "PUT", "secrets/vault/a", approle).get("value").get("auth").get("secret_id").asText());

        String literal = "{\"uri\":\"http://127.0.0.1:8200\",\"prefix\":\"kv\",\"token\":\"hvs.literal-token\"}";
        String literalApprole = approle.replace("$env://SECRET_ID", "literal-secret-id");
        List<JsonNode> answers = new ArrayList<>(List.of(ok(201, "PUT", "secrets/vault/l", literal),
                ok(200, "GET", "secrets/vault/l", null), ok(200, "PATCH", "secrets/vault/l", "{\"namespace\":\"n\"}"),
                ok(201, "PUT", "secrets/vault/la", literalApprole), ok(200, "GET", "secrets/vault/la", null)));
        String literalKey = "{\"uri\":\"https://127.0.0.1:8200\",\"prefix\":\"kv\",\"auth\":{\"method\":\"cert\","
                + "\"cert_file\":\"/etc/gw/client.crt\",\"key\":\"-----BEGIN PRIVATE KEY-----literal-client-key\"}}";
        answers.add(ok(201, "PUT", "secrets/vault/lk", literalKey));
        answers.add(ok(200, "GET", "secrets/vault/lk", null));
        answers.add(ok(200, "GET", "secrets", null));
        for (JsonNode answer : answers) {
            assertFalse(answer.toString().contains("literal-token"), answer::toString);
            assertFalse(answer.toString().contains("literal-secret-id"), answer::toString);
            assertFalse(answer.toString().contains("literal-client-key"), answer::toString);
        }
        assertFalse(new String(java.nio.file.Files.readAllBytes(dir.resolve("store.log")))
                .contains("literal-client-key"), "a client certificate's key is encrypted at rest");
    }

    @Test
    void put_createsWith201_replacesWith200_keepsCreateTime() {
        JsonNode created = ok(201, "PUT", "routes/1", ROUTE);
        assertEquals("/apisix/routes/1", created.get("key").asText());
        assertEquals("1", created.get("value").get("id").asText());
        long createTime = created.get("value").get("create_time").asLong();
        assertEquals(createTime, created.get("value").get("update_time").asLong());
        clock.advance(Duration.ofSeconds(10));
        JsonNode replaced = ok(200, "PUT", "routes/1", ROUTE);
        assertEquals(createTime, replaced.get("value").get("create_time").asLong());
        assertEquals(createTime + 10, replaced.get("value").get("update_time").asLong());
        JsonNode got = ok(200, "GET", "routes/1", null);
        assertEquals(1, got.get("createdIndex").asLong());
        assertEquals(2, got.get("modifiedIndex").asLong());
        assertEquals("/a", got.get("value").get("uri").asText());
    }

    @Test
    void post_generatesTwentyDigitIds() {
        JsonNode created = ok(201, "POST", "routes", ROUTE);
        String id = created.get("value").get("id").asText();
        assertTrue(id.matches("\\d{20}"), id);
        assertEquals("/apisix/routes/" + id, created.get("key").asText());
        ok(200, "GET", "routes/" + id, null);
    }

    @Test
    void list_emptyThenPaged() {
        assertEquals("{\"list\":[],\"total\":0}", ok(200, "GET", "routes", null).toString());
        for (int i = 0; i < 25; i++) {
            ok(201, "PUT", "routes/r" + (100 + i), ROUTE);
        }
        JsonNode all = ok(200, "GET", "routes", null);
        assertEquals(25, all.get("total").asInt());
        assertEquals(25, all.get("list").size());
        JsonNode third = api.handle("GET", "routes", Map.of("page", "3", "page_size", "10"), null).body();
        assertEquals(25, third.get("total").asInt());
        assertEquals(5, third.get("list").size());
        assertEquals("/apisix/routes/r120", third.get("list").get(0).get("key").asText());
        assertTrue(third.get("list").get(0).has("modifiedIndex"));
    }

    @Test
    void patch_mergesObjects_nullRemoves_arraysReplace() {
        ok(201, "PUT", "routes/1", ROUTE);
        JsonNode patched = ok(200, "PATCH", "routes/1", "{\"labels\":{\"tier\":null,\"owner\":\"ops\"},\"methods\":[\"PUT\"]}");
        assertEquals("{\"team\":\"web\",\"owner\":\"ops\"}", patched.get("value").get("labels").toString());
        assertEquals("[\"PUT\"]", patched.get("value").get("methods").toString());
        assertEquals("/a", patched.get("value").get("uri").asText());
    }

    @Test
    void patch_fieldPathReplacesThatSubtree() {
        ok(201, "PUT", "routes/1", ROUTE);
        JsonNode patched = ok(200, "PATCH", "routes/1/upstream/nodes", "{\"127.0.0.1:9090\":5}");
        assertEquals("{\"127.0.0.1:9090\":5}", patched.get("value").get("upstream").get("nodes").toString());
        assertEquals("roundrobin", patched.get("value").get("upstream").get("type").asText());
    }

    @Test
    void patch_thatWouldBeInvalid_changesNothing_missingIs404_idIsFixed() {
        ok(201, "PUT", "routes/1", ROUTE);
        long revision = store.revision();
        AdminResponse invalid = api.handle("PATCH", "routes/1", Map.of(), "{\"methods\":[\"FETCH\"]}");
        assertEquals(400, invalid.status());
        assertEquals(revision, store.revision());
        assertEquals("[\"GET\",\"POST\"]", ok(200, "GET", "routes/1", null).get("value").get("methods").toString());
        assertEquals(404, api.handle("PATCH", "routes/2", Map.of(), "{\"uri\":\"/b\"}").status());
        AdminResponse idChange = api.handle("PATCH", "routes/1", Map.of(), "{\"id\":\"9\"}");
        assertEquals("wrong route id", idChange.body().get("error_msg").asText());
    }

    @Test
    void secretPatch_keepsTheEncryptedTokenWithoutReturningIt() {
        ok(201, "PUT", "secrets/vault/v", "{\"uri\":\"http://127.0.0.1:8200\",\"prefix\":\"kv/apisix\",\"token\":\"s3cr3t-token\"}");
        JsonNode patched = ok(200, "PATCH", "secrets/vault/v", "{\"prefix\":\"kv/other\"}");
        assertEquals("kv/other", patched.get("value").get("prefix").asText());
        assertFalse(patched.toString().contains("s3cr3t-token"));
        String stored = store.get("/apisix/secrets/vault/v").orElseThrow().json();
        assertFalse(stored.contains("s3cr3t-token"));
        assertTrue(stored.contains("$enc:v1:"));
    }

    @Test
    void fiftyConcurrentPatchWriters_loseNoUpdate() throws Exception {
        ok(201, "PUT", "routes/busy", ROUTE);
        ExecutorService pool = Executors.newFixedThreadPool(50);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Integer>> writers = new ArrayList<>();
        for (int w = 0; w < 50; w++) {
            int writer = w;
            writers.add(pool.submit(() -> {
                start.await();
                return api.handle("PATCH", "routes/busy", Map.of(), "{\"labels\":{\"w" + writer + "\":\"x\"}}").status();
            }));
        }
        start.countDown();
        for (Future<Integer> writer : writers) {
            assertEquals(200, writer.get(60, TimeUnit.SECONDS));
        }
        pool.shutdown();
        JsonNode labels = ok(200, "GET", "routes/busy", null).get("value").get("labels");
        assertEquals(52, labels.size(), labels::toString);
        assertEquals(51, ok(200, "GET", "routes/busy", null).get("modifiedIndex").asLong());
    }
}
