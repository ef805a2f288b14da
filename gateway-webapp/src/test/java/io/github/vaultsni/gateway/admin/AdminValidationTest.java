package io.github.vaultsni.gateway.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.vaultsni.gateway.store.FileConfigStore;
import io.github.vaultsni.gateway.store.SecretCipher;
import io.github.vaultsni.testsupport.TestPki;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Every validation rule, with APISIX's status and message; nothing is stored when a write is refused. */
class AdminValidationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static String cert;
    private static String key;
    private static String otherKey;

    @TempDir
    Path dir;
    private FileConfigStore store;
    private AdminApi api;

    @BeforeAll
    static void pki() {
        TestPki.Issued root = TestPki.rootCa("CA", "EC");
        TestPki.Issued leaf = root.leaf("EC", "test.com");
        cert = leaf.certificatePem();
        key = leaf.privateKeyPem();
        otherKey = root.leaf("EC", "test.com").privateKeyPem();
    }

    @BeforeEach
    void open() {
        store = FileConfigStore.open(dir);
        api = new AdminApi(store, SecretCipher.fromBase64(Base64.getEncoder().encodeToString(new byte[32])),
                Clock.systemUTC(), ObjectStatuses.NONE);
    }

    @AfterEach
    void close() {
        store.close();
    }

    private static ObjectNode ssl() {
        return JSON.createObjectNode().put("sni", "test.com").put("cert", cert).put("key", key);
    }

    private static String with(ObjectNode base, String field, Object value) {
        ObjectNode copy = base.deepCopy();
        if (value == null) {
            copy.remove(field);
        } else {
            copy.set(field, JSON.valueToTree(value));
        }
        return copy.toString();
    }

    private static ObjectNode node(String json) {
        try {
            return (ObjectNode) JSON.readTree(json);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static Stream<Arguments> invalid() {
        ObjectNode ssl = ssl();
        String route = "{\"uri\":\"/a\",\"upstream\":{\"nodes\":{\"127.0.0.1:80\":1}}}";
        return Stream.of(
                Arguments.of("ssls/1", with(ssl, "snis", new String[]{"a.com"}), "invalid configuration: then clause did not match"),
                Arguments.of("ssls/1", with(ssl, "sni", null), "invalid configuration: then clause did not match"),
                Arguments.of("ssls/1", with(ssl, "sni", "a b"), "invalid configuration: property \"sni\" validation failed: failed to match pattern \"^\\\\*$|^\\\\*?[0-9a-zA-Z-._\\\\[\\\\]:]+$\" with \"a b\""),
                Arguments.of("ssls/1", with(ssl, "snis", new String[0]).replace("\"sni\":\"test.com\",", ""), "invalid configuration: property \"snis\" validation failed: expect array to have at least 1 items"),
                Arguments.of("ssls/1", with(ssl, "cert", null), "invalid configuration: then clause did not match"),
                Arguments.of("ssls/1", with(ssl, "key", null), "invalid configuration: then clause did not match"),
                Arguments.of("ssls/1", with(ssl, "cert", "short"), "invalid configuration: property \"cert\" validation failed: string too short, expected at least 128, got 5"),
                Arguments.of("ssls/1", with(ssl, "key", 42), "invalid configuration: property \"key\" validation failed: wrong type: expected string, got number"),
                Arguments.of("ssls/1", with(ssl, "cert", "x".repeat(200)), "failed to parse cert: PEM_read_bio_X509_AUX() failed"),
                Arguments.of("ssls/1", with(ssl, "key", "x".repeat(200)), "failed to parse key: PEM_read_bio_PrivateKey() failed"),
                Arguments.of("ssls/1", with(ssl, "key", otherKey), "failed to match cert and key: private key does not match the certificate"),
                Arguments.of("ssls/1", with(node(with(ssl, "certs", new String[]{cert})), "keys", null), "mismatched number of certs and keys"),
                Arguments.of("ssls/1", with(node(with(ssl, "certs", new String[]{cert})), "keys", new String[]{otherKey}), "failed to handle cert-key pair[1]: failed to match cert and key: private key does not match the certificate"),
                Arguments.of("ssls/1", with(ssl, "cert", "$secret://vault/x"), "invalid configuration: property \"cert\" validation failed: invalid secret reference $secret://vault/x: expected $secret://<manager>/<id>/<path>/<field>"),
                Arguments.of("ssls/1", with(ssl, "type", "peer"), "invalid configuration: property \"type\" validation failed: matches none of the enum values"),
                Arguments.of("ssls/1", with(ssl, "status", 2), "invalid configuration: property \"status\" validation failed: matches none of the enum values"),
                Arguments.of("ssls/1", with(ssl, "ssl_protocols", new String[]{"SSLv3"}), "invalid configuration: property \"ssl_protocols\" validation failed: failed to validate item 1: matches none of the enum values"),
                Arguments.of("ssls/1", with(ssl, "client", Map.of("depth", 1)), "invalid configuration: property \"client\" validation failed: property \"ca\" is required"),
                Arguments.of("ssls/1", with(ssl, "client", Map.of("ca", cert, "depth", "one")), "invalid configuration: property \"client\" validation failed: property \"depth\" validation failed: wrong type: expected integer, got string"),
                Arguments.of("ssls/1", with(ssl, "snii", "x"), "invalid configuration: additional properties forbidden, found snii"),
                Arguments.of("ssls/bad id", ssl.toString(), "invalid configuration: property \"id\" validation failed: object matches none of the required"),
                Arguments.of("routes/1", "{\"upstream\":{\"nodes\":{\"a:1\":1}}}", "invalid configuration: allOf 1 failed: value should match only one schema, but matches none"),
                Arguments.of("routes/1", "{\"uri\":\"/a\",\"uris\":[\"/b\"],\"upstream\":{\"nodes\":{\"a:1\":1}}}", "invalid configuration: allOf 1 failed: value should match only one schema, but matches both schemas 1 and 2"),
                Arguments.of("routes/1", "{\"uri\":\"/a\"}", "invalid configuration: object matches none of the required: [\"plugins\",\"uri\"] or [\"upstream\",\"uri\"] or [\"upstream_id\",\"uri\"] or [\"service_id\",\"uri\"] or [\"plugins\",\"uris\"] or [\"upstream\",\"uris\"] or [\"upstream_id\",\"uris\"] or [\"service_id\",\"uris\"] or [\"script\",\"uri\"] or [\"script\",\"uris\"]"),
                Arguments.of("routes/1", with(node(route), "methods", new String[]{"FETCH"}), "invalid configuration: property \"methods\" validation failed: failed to validate item 1: matches none of the enum values"),
                Arguments.of("routes/1", with(node(route), "host", "bad host"), "invalid configuration: property \"host\" validation failed: failed to match pattern \"^\\\\*$|^\\\\*?[0-9a-zA-Z-._\\\\[\\\\]:]+$\" with \"bad host\""),
                Arguments.of("routes/1", with(node(route), "priority", "high"), "invalid configuration: property \"priority\" validation failed: wrong type: expected integer, got string"),
                Arguments.of("routes/1", with(node(route), "plugins", Map.of("key-auth", Map.of())), "invalid configuration: property \"plugins\" is not supported by this gateway: plugin key-auth is not run here (only prometheus)"),
                Arguments.of("routes/1", with(node(route), "vars", new Object[]{new String[]{"arg_a", "=", "1"}}), "failed to validate the 'vars' expression: invalid operator '='"),
                Arguments.of("routes/1", with(node(route), "vars", new Object[]{new String[]{"upstream_addr", "==", "1"}}), "failed to validate the 'vars' expression: variable 'upstream_addr' is not supported by this gateway"),
                Arguments.of("routes/1", with(node(route), "filter_func", "function(vars) return true end"), "invalid configuration: property \"filter_func\" is not supported by this gateway: it is Lua, which this gateway does not run; match with vars, remote_addrs, hosts and methods instead"),
                Arguments.of("routes/1", with(node(route), "service_id", "none"), "failed to fetch service info by service id [none], response code: 404"),
                Arguments.of("routes/1", with(node(route), "plugins", Map.of("prometheus", Map.of("prefer_name", true))), "failed to check the configuration of plugin prometheus err: additional properties forbidden, found prefer_name"),
                Arguments.of("routes/1", "{\"uri\":\"/a\",\"upstream_id\":\"nope\"}", "failed to fetch upstream info by upstream id [nope], response code: 404"),
                Arguments.of("upstreams/1", "{\"type\":\"roundrobin\"}", "invalid configuration: value should match only one schema, but matches none"),
                Arguments.of("upstreams/1", "{\"nodes\":{\"a:1\":-1}}", "invalid configuration: property \"nodes\" validation failed: object matches none of the required"),
                Arguments.of("upstreams/1", "{\"nodes\":{\"a:1\":1},\"type\":\"chash\"}", "missing key"),
                Arguments.of("upstreams/1", "{\"nodes\":{\"a:1\":1},\"pass_host\":\"rewrite\"}", "`upstream_host` can't be empty when `pass_host` is `rewrite`"),
                Arguments.of("upstreams/1", "{\"nodes\":{\"a:1\":1},\"timeout\":{\"connect\":0,\"send\":1,\"read\":1}}", "invalid configuration: property \"timeout\" validation failed: property \"connect\" validation failed: expected 0 to be greater than 0"),
                Arguments.of("upstreams/1", "{\"nodes\":{\"a:1\":1},\"tls\":{\"client_cert_id\":\"nope\"}}", "failed to fetch ssl info by ssl id [nope], response code: 404"),
                Arguments.of("upstreams/1", "{\"nodes\":{\"a:1\":1},\"scheme\":\"ftp\"}", "invalid configuration: property \"scheme\" validation failed: matches none of the enum values"),
                Arguments.of("secrets/vault/1", "{\"prefix\":\"kv/apisix\",\"token\":\"t\"}", "invalid configuration: property \"uri\" is required"),
                Arguments.of("secrets/vault/1", "{\"uri\":\"vault:8200\",\"token\":\"t\"}", "invalid configuration: property \"uri\" validation failed: failed to match pattern \"^[^\\\\/]+:\\\\/\\\\/([\\\\da-zA-Z.-]+|\\\\[[\\\\da-fA-F:]+\\\\])(:\\\\d+)?\" with \"vault:8200\""),
                Arguments.of("secrets/vault/1", "{\"uri\":\"http://v:8200\"}", "invalid configuration: property \"prefix\" is required"),
                Arguments.of("secrets/vault/1", "{\"uri\":\"http://v:8200\",\"prefix\":\"kv\"}", "invalid configuration: property \"token\" is required"),
                Arguments.of("secrets/vault/1", "{\"uri\":\"http://v:8200\",\"prefix\":\"kv\",\"token\":\"t\",\"kv_version\":3}", "invalid configuration: property \"kv_version\" validation failed: matches none of the enum values"));
    }

    @ParameterizedTest
    @MethodSource("invalid")
    void invalidObjects_areRefusedWithApisixsMessage_andNothingIsStored(String path, String body, String message) {
        long before = store.revision();
        AdminResponse answer = api.handle("PUT", path, Map.of(), body);
        assertEquals(400, answer.status(), answer.body()::toString);
        assertEquals(message, answer.body().get("error_msg").asText());
        assertEquals(before, store.revision());
    }

    @Test
    void requestShape_errors() {
        assertMessage(api.handle("PUT", "ssls/1", Map.of(), "{not json"), "invalid request body: Unexpected character ('n' (code 110)): was expecting double-quote to start field name");
        assertMessage(api.handle("PUT", "ssls/1", Map.of(), "[1]"), "invalid request body: the body must be a JSON object");
        assertMessage(api.handle("PUT", "ssls/1", Map.of(), with(ssl(), "id", "2")), "wrong ssl id");
        assertMessage(api.handle("POST", "ssls", Map.of(), with(ssl(), "id", "2")), "wrong ssl id, do not need it");
        assertMessage(api.handle("PUT", "ssls", Map.of(), ssl().toString()), "missing ssl id");
        assertMessage(api.handle("PUT", "ssls/1", Map.of(), with(ssl(), "create_time", 1)), "the property is forbidden:  create_time");
        AdminResponse pageSize = api.handle("GET", "routes", Map.of("page", "1", "page_size", "5"), null);
        assertEquals(400, pageSize.status());
        assertEquals("page_size must be between 10 and 500", pageSize.body().asText(), "APISIX's answer: text, not JSON");
        assertMessage(api.handle("PUT", "routes/1", Map.of("ttl", "x"), null), "invalid argument ttl: should be a number");
        assertMessage(api.handle("POST", "routes/1", Map.of(), "{}"), "wrong route id, do not need it");
        String route = "{\"uri\":\"/a\",\"upstream\":{\"nodes\":{\"127.0.0.1:80\":1}}}";
        assertMessage(api.handle("PUT", "routes/1", Map.of(), route + "x"), "invalid request body: Unrecognized token 'x': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')");
        assertMessage(api.handle("PUT", "routes/1", Map.of(), route + route), "invalid request body: Expected the end but found more at character 53");
        assertMessage(api.handle("PUT", "routes/1", Map.of(), route.replace("}}}", "}},\"priority\":1e999}")), "invalid request body: a number out of range (past a double's)");
        assertMessage(api.handle("PUT", "routes/1", Map.of(), route.replace("\"/a\"", "\"/a\\u0000b\"")), "invalid configuration: property \"uri\" validation failed: failed to match pattern \"^[^\\\\u0000-\\\\u001f\\\\u007f]+$\" with \"/a\u0000b\"");
        assertMessage(api.handle("PUT", "upstreams/1", Map.of(), "{\"nodes\":{\"a\\r\\nb:80\":1}}"), "invalid configuration: property \"nodes\" validation failed: failed to match pattern \"^\\\\*$|^\\\\*?[0-9a-zA-Z-._\\\\[\\\\]:]+$\" with \"a\r\nb\"");
        assertMessage(api.handle("PUT", "upstreams/1", Map.of(), "{\"nodes\":{\"a:80\":9223372036854775807}}"), "invalid configuration: property \"nodes\" validation failed: weight 9223372036854775807 is more than 2147483647");
        assertMessage(api.handle("PUT", "upstreams/1", Map.of(), "{\"nodes\":[{\"host\":\"a\",\"port\":80,\"weight\":4294967296}]}"), "invalid configuration: property \"nodes\" validation failed: weight 4294967296 is more than 2147483647");
        assertMessage(api.handle("PUT", "ssls/1", Map.of(), "{\"sni\":\"*.test.com\",\"issuer\":{\"vault_pki\":{\"secret_id\":\"v\",\"role\":\"../../kv/apisix/pwned\"}}}"), "invalid configuration: issuer.vault_pki.role: \"../../kv/apisix/pwned\" is not one Vault path segment (letters, digits and -._~!$&'()*+,;=:@, not . or ..)");
        assertMessage(api.handle("PUT", "ssls/1", Map.of(), "{\"sni\":\"*.test.com\",\"issuer\":{\"vault_pki\":{\"secret_id\":\"v\",\"role\":\"r\",\"max_names\":1000000000}}}"), "invalid configuration: property \"issuer\" validation failed: property \"vault_pki\" validation failed: property \"max_names\" validation failed: expected 1000000000 to be at most 10000");
        assertMessage(api.handle("PUT", "ssls/1", Map.of(), "{\"sni\":\"*.test.com\",\"issuer\":{\"vault_pki\":{\"secret_id\":\"v\",\"role\":\"r\",\"on_demand_wait\":\"600s\"}}}"), "invalid configuration: issuer.vault_pki.on_demand_wait (600s) must be at most 20s");
        AdminResponse missing = api.handle("DELETE", "routes/none", Map.of(), null);
        assertEquals(404, missing.status());
        assertEquals("{\"message\":\"Key not found\"}", missing.body().toString());
    }

    @Test
    void prometheusPlugin_isAccepted_forMetricsAreAlwaysOn() {
        String route = "{\"uri\":\"/a\",\"plugins\":{\"prometheus\":{}},\"upstream\":{\"nodes\":{\"127.0.0.1:80\":1}}}";
        assertEquals(201, api.handle("PUT", "routes/1", Map.of(), route).status());
    }

    @Test
    void clientCertId_mustNameAClientSsl() {
        assertEquals(201, api.handle("PUT", "ssls/server", Map.of(), ssl().toString()).status());
        assertMessage(api.handle("PUT", "upstreams/u", Map.of(), "{\"nodes\":{\"a:1\":1},\"tls\":{\"client_cert_id\":\"server\"}}"),
                "failed to fetch ssl info by ssl id [server], wrong ssl type");
        ObjectNode client = ssl();
        client.remove("sni");
        client.put("type", "client");
        assertEquals(201, api.handle("PUT", "ssls/client", Map.of(), client.toString()).status());
        assertEquals(201, api.handle("PUT", "upstreams/u", Map.of(), "{\"nodes\":{\"a:1\":1},\"tls\":{\"client_cert_id\":\"client\"}}").status());
        assertMessage(api.handle("DELETE", "ssls/client", Map.of(), null), "can not delete this ssl, upstream [u] is still using it now");
        assertEquals(201, api.handle("PUT", "routes/r", Map.of(), "{\"uri\":\"/a\",\"upstream_id\":\"u\"}").status());
        assertMessage(api.handle("DELETE", "upstreams/u", Map.of(), null), "can not delete this upstream, route [r] is still using it now");
    }

    private static void assertMessage(AdminResponse answer, String message) {
        assertEquals(400, answer.status(), answer.body()::toString);
        assertEquals(message, answer.body().get("error_msg").asText());
    }
}
