package io.github.vaultsni.vaulttest;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.vaultsni.vaulttest.VaultHttp.Answer;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayInputStream;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Black-box HTTP checks of Vault's contract (../shared/reference/vault-http-api.md), run against the test
 * server always and against {@code hashicorp/vault:1.13.0} wherever Docker runs. Each check uses its own
 * mounts and policies, so one Vault can serve the whole suite. Every answer's {@code Content-Type} must be
 * exactly {@code application/json}.
 */
@Timeout(120)
public abstract class AbstractVaultContractTest {
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    protected VaultHttp vault;
    protected String root;
    /** A fresh mount name for this test, e.g. {@code kv17}. */
    protected String mount;

    /** The Vault under test: {@code http://host:port}. */
    protected abstract String address();

    protected abstract String rootToken();

    /** The key {@code sys/unseal} takes. */
    protected abstract String unsealKey();

    @BeforeEach
    void connect() {
        vault = new VaultHttp(address());
        root = rootToken();
        mount = "kv" + SEQUENCE.incrementAndGet() + "x" + System.nanoTime() % 100000;
    }

    @AfterEach
    void unsealIfSealed() {
        if (vault.call("GET", "sys/health", null, null).status() == 503) {
            vault.call("PUT", "sys/unseal", null, Map.of("key", unsealKey()));
        }
    }

    private Answer call(String method, String path, String token, Object body) {
        Answer a = vault.call(method, path, token, body);
        assertEquals("application/json", a.contentType(), () -> method + " " + path + ": Content-Type");
        return a;
    }

    private static void assertErrors(Answer a, int status, String... errors) {
        assertEquals(status, a.status(), a::body);
        assertEquals(List.of(errors), a.errors(), a::body);
    }

    private static void assertErrorMentions(Answer a, int status, String... parts) {
        assertEquals(status, a.status(), a::body);
        String joined = String.join("\n", a.errors());
        for (String part : parts) {
            assertTrue(joined.contains(part), () -> "errors should mention '" + part + "': " + a.body());
        }
    }

    // --- health ---

    @Test
    void health_answersActiveUnsealedNode() {
        Answer a = call("GET", "sys/health", null, null);
        assertEquals(200, a.status());
        assertTrue(a.json().get("initialized").asBoolean());
        assertFalse(a.json().get("sealed").asBoolean());
        assertFalse(a.json().get("standby").asBoolean());
        assertTrue(a.json().get("server_time_utc").isNumber());
        assertTrue(a.json().get("version").asText().startsWith("1.13"), a::body);
        assertTrue(a.json().has("cluster_id"));
    }

    @Test
    void health_rejectsOtherMethods() {
        assertEquals(405, call("POST", "sys/health", null, Map.of()).status());
    }

    // --- KV version 1 ---

    @Test
    void kv1_writeAnswers204WithHeadersAndNoBody() {
        vault.enableKv(root, mount, 1);
        Answer a = call("PUT", mount + "/apisix/ssl", root, Map.of("a", "b"));
        assertEquals(204, a.status());
        assertEquals("", a.body());
        assertEquals("no-store", a.cacheControl());
    }

    @Test
    void kv1_readAnswersEnvelopeWithDefaultLease() {
        vault.enableKv(root, mount, 1);
        vault.putSecret(root, 1, mount, "apisix/ssl", Map.of("test.com.crt", "CERT", "test.com.key", "KEY"));
        Answer a = call("GET", mount + "/apisix/ssl", root, null);
        assertEquals(200, a.status());
        assertEquals("CERT", a.data().get("test.com.crt").asText());
        assertEquals("KEY", a.data().get("test.com.key").asText());
        assertEquals(2764800, a.json().get("lease_duration").asLong());
        assertEquals("", a.json().get("lease_id").asText());
        assertFalse(a.json().get("renewable").asBoolean());
        assertTrue(a.json().get("wrap_info").isNull());
        assertTrue(a.json().get("auth").isNull());
        assertNotNull(a.json().get("request_id").asText());
    }

    @Test
    void kv1_readReportsTtlFieldAsLease() {
        vault.enableKv(root, mount, 1);
        vault.putSecret(root, 1, mount, "short", Map.of("ttl", "1h", "v", "x"));
        assertEquals(3600, call("GET", mount + "/short", root, null).json().get("lease_duration").asLong());
    }

    @Test
    void kv1_missingPathIs404WithEmptyErrors() {
        vault.enableKv(root, mount, 1);
        assertErrors(call("GET", mount + "/nothing/here", root, null), 404);
    }

    @Test
    void kv1_emptyWriteIs400() {
        vault.enableKv(root, mount, 1);
        assertErrors(call("PUT", mount + "/empty", root, Map.of()), 400, "missing data fields");
    }

    @Test
    void kv1_deleteAnswers204EvenWhenMissing() {
        vault.enableKv(root, mount, 1);
        vault.putSecret(root, 1, mount, "gone", Map.of("a", "b"));
        assertEquals(204, call("DELETE", mount + "/gone", root, null).status());
        assertErrors(call("GET", mount + "/gone", root, null), 404);
        assertEquals(204, call("DELETE", mount + "/never-was", root, null).status());
    }

    @Test
    void kv1_listShowsChildrenWithFolderSlash() {
        vault.enableKv(root, mount, 1);
        vault.putSecret(root, 1, mount, "apisix/ssl", Map.of("a", "b"));
        vault.putSecret(root, 1, mount, "apisix/deep/one", Map.of("a", "b"));
        Answer viaMethod = call("LIST", mount + "/apisix", root, null);
        Answer viaQuery = call("GET", mount + "/apisix?list=true", root, null);
        for (Answer a : List.of(viaMethod, viaQuery)) {
            assertEquals(200, a.status(), a::body);
            assertEquals("[\"deep/\",\"ssl\"]", a.data().get("keys").toString());
        }
    }

    @Test
    void kv1_listOfNothingIs404() {
        vault.enableKv(root, mount, 1);
        assertErrors(call("LIST", mount + "/nothing", root, null), 404);
    }

    @Test
    void list_nonBooleanListParameterIs400() {
        vault.enableKv(root, mount, 1);
        assertErrors(call("GET", mount + "/x?list=maybe", root, null), 400);
    }

    // --- KV version 2 ---

    @Test
    void kv2_writeAnswersVersionMetadata() {
        vault.enableKv(root, mount, 2);
        Answer first = call("PUT", mount + "/data/app", root, Map.of("data", Map.of("k", "v1")));
        assertEquals(200, first.status(), first::body);
        assertEquals(1, first.data().get("version").asInt());
        assertEquals("", first.data().get("deletion_time").asText());
        assertFalse(first.data().get("destroyed").asBoolean());
        assertEquals(2, call("PUT", mount + "/data/app", root, Map.of("data", Map.of("k", "v2"))).data().get("version").asInt());
    }

    @Test
    void kv2_readAnswersDataAndMetadata_andOlderVersions() {
        vault.enableKv(root, mount, 2);
        vault.putSecret(root, 2, mount, "app", Map.of("k", "v1"));
        vault.putSecret(root, 2, mount, "app", Map.of("k", "v2"));
        Answer latest = call("GET", mount + "/data/app", root, null);
        assertEquals(200, latest.status());
        assertEquals("v2", latest.data().get("data").get("k").asText());
        assertEquals(2, latest.data().get("metadata").get("version").asInt());
        assertEquals("v1", call("GET", mount + "/data/app?version=1", root, null).data().get("data").get("k").asText());
    }

    @Test
    void kv2_missingPathIs404WithEmptyErrors() {
        vault.enableKv(root, mount, 2);
        assertErrors(call("GET", mount + "/data/nothing", root, null), 404);
    }

    @Test
    void kv2_softDeletedVersionIs404WithEnvelopeAndNoErrors() {
        vault.enableKv(root, mount, 2);
        vault.putSecret(root, 2, mount, "app", Map.of("k", "v1"));
        assertEquals(204, call("DELETE", mount + "/data/app", root, null).status());
        Answer a = call("GET", mount + "/data/app", root, null);
        assertEquals(404, a.status());
        assertFalse(a.json().has("errors"), a::body);
        assertTrue(a.data().get("data").isNull());
        assertFalse(a.data().get("metadata").get("deletion_time").asText().isEmpty());
        assertEquals(204, call("POST", mount + "/undelete/app", root, Map.of("versions", List.of(1))).status());
        assertEquals("v1", call("GET", mount + "/data/app", root, null).data().get("data").get("k").asText());
    }

    @Test
    void kv2_destroyedVersionIs404WithDestroyedFlag() {
        vault.enableKv(root, mount, 2);
        vault.putSecret(root, 2, mount, "app", Map.of("k", "v1"));
        assertEquals(204, call("PUT", mount + "/destroy/app", root, Map.of("versions", List.of(1))).status());
        Answer a = call("GET", mount + "/data/app", root, null);
        assertEquals(404, a.status());
        assertTrue(a.data().get("metadata").get("destroyed").asBoolean());
    }

    @Test
    void kv2_checkAndSetMismatchIs400() {
        vault.enableKv(root, mount, 2);
        vault.putSecret(root, 2, mount, "app", Map.of("k", "v1"));
        Answer a = call("PUT", mount + "/data/app", root, Map.of("data", Map.of("k", "x"), "options", Map.of("cas", 0)));
        assertErrors(a, 400, "check-and-set parameter did not match the current version");
        assertEquals(200, call("PUT", mount + "/data/app", root,
                Map.of("data", Map.of("k", "x"), "options", Map.of("cas", 1))).status());
    }

    @Test
    void kv2_writeWithoutDataIs400() {
        vault.enableKv(root, mount, 2);
        assertErrors(call("PUT", mount + "/data/app", root, Map.of("k", "v")), 400, "no data provided");
    }

    @Test
    void kv2_listMetadataAndDeleteAllVersions() {
        vault.enableKv(root, mount, 2);
        vault.putSecret(root, 2, mount, "apisix/ssl", Map.of("a", "b"));
        Answer list = call("LIST", mount + "/metadata/apisix", root, null);
        assertEquals("[\"ssl\"]", list.data().get("keys").toString());
        assertEquals(204, call("DELETE", mount + "/metadata/apisix/ssl", root, null).status());
        assertErrors(call("GET", mount + "/data/apisix/ssl", root, null), 404);
    }

    @Test
    void kv2_pathOutsideDataIs404WithWarning() {
        vault.enableKv(root, mount, 2);
        Answer a = call("GET", mount + "/app", root, null);
        assertEquals(404, a.status());
        assertTrue(a.data() == null || a.data().isNull(), a::body);
        assertTrue(a.json().get("warnings").get(0).asText().startsWith("Invalid path for a versioned K/V secrets engine"));
    }

    @Test
    void kv2_patchNeedsMergePatchContentType() {
        vault.enableKv(root, mount, 2);
        vault.putSecret(root, 2, mount, "app", Map.of("k", "v1"));
        Answer a = call("PATCH", mount + "/data/app", root, Map.of("data", Map.of("k", "v2")));
        assertEquals(415, a.status(), a::body);
    }

    // --- mount detection ---

    @Test
    void uiMounts_reportsKvVersionAsString() {
        vault.enableKv(root, mount, 1);
        String v2 = mount + "b";
        vault.enableKv(root, v2, 2);
        Answer a = call("GET", "sys/internal/ui/mounts/" + mount + "/apisix/ssl", root, null);
        assertEquals(200, a.status(), a::body);
        assertEquals(mount + "/", a.data().get("path").asText());
        assertEquals("kv", a.data().get("type").asText());
        assertEquals("1", a.data().get("options").get("version").asText());
        assertTrue(a.data().get("options").get("version").isTextual());
        assertEquals("2", call("GET", "sys/internal/ui/mounts/" + v2 + "/x", root, null)
                .data().get("options").get("version").asText());
    }

    @Test
    void uiMounts_unknownMountIs403() {
        assertEquals(403, call("GET", "sys/internal/ui/mounts/no-such-mount-" + mount + "/x", root, null).status());
    }

    @Test
    void uiMounts_answersTokenWithReadOnlyPolicyInside() {
        vault.enableKv(root, mount, 1);
        vault.writePolicy(root, mount + "-ro", "path \"" + mount + "/apisix/*\" {\n  capabilities = [\"read\"]\n}\n");
        String token = vault.createToken(root, List.of(mount + "-ro"), null);
        Answer a = call("GET", "sys/internal/ui/mounts/" + mount + "/apisix/ssl", token, null);
        assertEquals(200, a.status(), a::body);
        assertEquals("1", a.data().get("options").get("version").asText());
    }

    // --- policies and tokens ---

    @Test
    void policy_readOnlyGlobAllowsReadOnlyUnderIt() {
        vault.enableKv(root, mount, 1);
        vault.putSecret(root, 1, mount, "apisix/ssl", Map.of("a", "b"));
        vault.putSecret(root, 1, mount, "other/ssl", Map.of("a", "b"));
        vault.writePolicy(root, mount + "-ro", "path \"" + mount + "/apisix/*\" {\n  capabilities = [\"read\"]\n}\n");
        String token = vault.createToken(root, List.of(mount + "-ro"), null);
        assertEquals(200, call("GET", mount + "/apisix/ssl", token, null).status());
        assertErrors(call("GET", mount + "/other/ssl", token, null), 403, "permission denied");
        assertErrors(call("PUT", mount + "/apisix/ssl", token, Map.of("a", "c")), 403, "permission denied");
        assertErrors(call("LIST", mount + "/apisix", token, null), 403, "permission denied");
    }

    @Test
    void policy_denyWinsAndPlusMatchesOneSegment() {
        vault.enableKv(root, mount, 1);
        vault.putSecret(root, 1, mount, "team/a/cert", Map.of("a", "b"));
        vault.putSecret(root, 1, mount, "team/a/private", Map.of("a", "b"));
        vault.putSecret(root, 1, mount, "team/a/b/cert", Map.of("a", "b"));
        vault.writePolicy(root, mount + "-p", "path \"" + mount + "/team/+/cert\" { capabilities = [\"read\"] }\n"
                + "path \"" + mount + "/team/*\" { capabilities = [\"read\"] }\n"
                + "path \"" + mount + "/team/a/private\" { capabilities = [\"deny\"] }\n");
        String token = vault.createToken(root, List.of(mount + "-p"), null);
        assertEquals(200, call("GET", mount + "/team/a/cert", token, null).status());
        assertEquals(200, call("GET", mount + "/team/a/b/cert", token, null).status());
        assertEquals(403, call("GET", mount + "/team/a/private", token, null).status());
    }

    @Test
    void token_missingIs403PermissionDenied() {
        vault.enableKv(root, mount, 1);
        assertErrorMentions(call("GET", mount + "/x", null, null), 403, "permission denied");
    }

    @Test
    void token_unknownIs403InvalidToken() {
        vault.enableKv(root, mount, 1);
        assertErrorMentions(call("GET", mount + "/x", "hvs.not-a-real-token", null), 403, "permission denied", "invalid token");
    }

    @Test
    void token_lookupSelfAnswersIntegersAndPolicies() {
        vault.writePolicy(root, mount + "-p", "path \"" + mount + "/*\" { capabilities = [\"read\"] }\n");
        String token = vault.createToken(root, List.of(mount + "-p"), "1h");
        Answer a = call("GET", "auth/token/lookup-self", token, null);
        assertEquals(200, a.status(), a::body);
        JsonNode d = a.data();
        for (String field : List.of("creation_time", "creation_ttl", "ttl", "explicit_max_ttl", "num_uses")) {
            assertTrue(d.get(field).isIntegralNumber(), field);
        }
        assertEquals(3600, d.get("creation_ttl").asLong());
        assertTrue(d.get("ttl").asLong() <= 3600 && d.get("ttl").asLong() > 3500);
        assertEquals("[\"default\",\"" + mount + "-p\"]", d.get("policies").toString());
        assertTrue(d.get("renewable").asBoolean());
        assertEquals(token, d.get("id").asText());
        assertTrue(d.get("expire_time").isTextual());
    }

    @Test
    void token_renewSelfExtendsLease() {
        String token = vault.createToken(root, List.of("default"), "1h");
        Answer a = call("POST", "auth/token/renew-self", token, Map.of("increment", "2h"));
        assertEquals(200, a.status(), a::body);
        assertEquals(token, a.json().get("auth").get("client_token").asText());
        assertEquals(7200, a.json().get("auth").get("lease_duration").asLong());
        assertTrue(a.json().get("auth").get("renewable").asBoolean());
    }

    @Test
    void token_expiresAfterTtl() {
        vault.enableKv(root, mount, 1);
        String token = vault.createToken(root, List.of("default"), "2s");
        assertEquals(200, call("GET", "auth/token/lookup-self", token, null).status());
        // A real Vault's clock: the TTL passes in real time.
        Answer a = await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(250))
                .until(() -> call("GET", "auth/token/lookup-self", token, null), answer -> answer.status() != 200);
        assertErrorMentions(a, 403, "permission denied");
    }

    // --- AppRole ---

    @Test
    void appRole_loginAnswersTokenWithRolePolicies() {
        vault.enableKv(root, mount, 1);
        vault.putSecret(root, 1, mount, "apisix/ssl", Map.of("a", "b"));
        vault.writePolicy(root, mount + "-ro", "path \"" + mount + "/apisix/*\" { capabilities = [\"read\"] }\n");
        String[] ids = vault.appRole(root, mount + "-role", List.of(mount + "-ro"), "20m");
        Answer a = call("POST", "auth/approle/login", null, Map.of("role_id", ids[0], "secret_id", ids[1]));
        assertEquals(200, a.status(), a::body);
        JsonNode auth = a.json().get("auth");
        assertTrue(a.data() == null || a.data().isNull());
        assertEquals(1200, auth.get("lease_duration").asLong());
        assertTrue(auth.get("renewable").asBoolean());
        assertEquals(mount + "-role", auth.get("metadata").get("role_name").asText());
        assertTrue(auth.get("token_policies").toString().contains(mount + "-ro"));
        String token = auth.get("client_token").asText();
        assertEquals("b", call("GET", mount + "/apisix/ssl", token, null).data().get("a").asText());
    }

    @Test
    void appRole_badOrMissingCredentialsAre400() {
        String[] ids = vault.appRole(root, mount + "-role", List.of("default"), "20m");
        assertErrors(call("POST", "auth/approle/login", null, Map.of("role_id", ids[0], "secret_id", "wrong")),
                400, "invalid role or secret ID");
        assertErrors(call("POST", "auth/approle/login", null, Map.of("role_id", ids[0])), 400, "missing secret_id");
        assertErrors(call("POST", "auth/approle/login", null, Map.of("secret_id", ids[1])), 400, "missing role_id");
    }

    // --- JWT, Kubernetes and certificate auth (vault-plugin-auth-jwt and -kubernetes v0.15, builtin cert) ---

    @Test
    void jwt_loginAnswersAnOrphanRenewableTokenNamedForTheSubject() {
        TestJwts jwts = new TestJwts();
        vault.enableAuth(root, mount, "jwt");
        vault.jwtRole(root, mount, "gateway", jwts.publicKeyPem(), "vault", List.of("default"), "20m");
        Answer a = call("POST", "auth/" + mount + "/login", null,
                Map.of("role", "gateway", "jwt", jwts.jwt("gw-1", "vault", Duration.ofMinutes(5))));
        assertEquals(200, a.status(), a::body);
        JsonNode auth = a.json().get("auth");
        assertEquals(1200, auth.get("lease_duration").asLong());
        assertTrue(auth.get("renewable").asBoolean());
        assertTrue(auth.get("orphan").asBoolean());
        assertEquals("gateway", auth.get("metadata").get("role").asText());
        JsonNode self = call("GET", "auth/token/lookup-self", auth.get("client_token").asText(), null).data();
        assertEquals(mount + "-gw-1", self.get("display_name").asText());
        assertEquals("auth/" + mount + "/login", self.get("path").asText());
    }

    @Test
    void jwt_refusalsAre400WithThePluginsWords() {
        TestJwts jwts = new TestJwts();
        vault.enableAuth(root, mount, "jwt");
        vault.jwtRole(root, mount, "gateway", jwts.publicKeyPem(), "vault", List.of("default"), "20m");
        String login = "auth/" + mount + "/login";
        assertErrors(call("POST", login, null, Map.of("jwt", "x")), 400, "missing role");
        assertErrors(call("POST", login, null, Map.of("role", "nope", "jwt", "x")), 400, "role \"nope\" could not be found");
        assertErrors(call("POST", login, null, Map.of("role", "gateway")), 400, "missing token");
        assertErrors(call("POST", login, null, Map.of("role", "gateway",
                "jwt", new TestJwts().jwt("gw-1", "vault", Duration.ofMinutes(5)))), 400,
                "error validating token: error verifying token signature: no known key successfully validated the token signature");
        assertErrors(call("POST", login, null, Map.of("role", "gateway",
                "jwt", jwts.jwt("gw-1", "elsewhere", Duration.ofMinutes(5)))), 400,
                "error validating token: invalid audience (aud) claim: audience claim does not match any expected audience");
        assertErrors(call("POST", login, null, Map.of("role", "gateway", "jwt", jwts.jwt("gw-1", "vault",
                Instant.now().minus(Duration.ofHours(2)), Duration.ofHours(1), Map.of()))), 400,
                "error validating token: invalid expiration time (exp) claim: token is expired");
        assertErrors(call("POST", "auth/" + mount + "/role/loose", root, Map.of("role_type", "jwt", "user_claim", "sub")),
                400, "must have at least one bound constraint when creating/updating a role");
        assertErrors(call("POST", "auth/" + mount + "/role/oidc", root, Map.of("user_claim", "sub")), 400,
                "'allowed_redirect_uris' must be set if 'role_type' is 'oidc' or unspecified.");
    }

    /** Everything Vault checks before it asks the API server (here one that is not there). */
    @Test
    void kubernetes_refusalsBeforeAndAtTheTokenReview() {
        TestJwts jwts = new TestJwts();
        vault.enableAuth(root, mount, "kubernetes");
        assertErrors(call("POST", "auth/" + mount + "/config", root, Map.of("kubernetes_ca_cert", "x")), 400,
                "no host provided");
        assertErrors(call("POST", "auth/" + mount + "/config", root, Map.of("kubernetes_host", "https://127.0.0.1:9",
                "disable_local_ca_jwt", true)), 400, "kubernetes_ca_cert must be given when disable_local_ca_jwt is true");
        vault.kubernetesRole(root, mount, "gateway", "http://127.0.0.1:9", SelfSignedTls.create().certificatePem(),
                "edge", "gateway", List.of("default"), "20m");
        assertErrors(call("POST", "auth/" + mount + "/role/empty", root, Map.of("bound_service_account_names", "a")),
                400, "\"bound_service_account_namespaces\" can not be empty");
        String login = "auth/" + mount + "/login";
        String token = jwts.serviceAccountToken("edge", "gateway", "uid-1", "vault", Duration.ofMinutes(5));
        assertErrors(call("POST", login, null, Map.of("jwt", token)), 400, "missing role");
        assertErrors(call("POST", login, null, Map.of("role", "gateway")), 400, "missing jwt");
        assertErrors(call("POST", login, null, Map.of("role", "nope", "jwt", token)), 400, "invalid role name \"nope\"");
        assertErrors(call("POST", login, null, Map.of("role", "gateway",
                "jwt", jwts.serviceAccountToken("other", "gateway", "uid-1", "vault", Duration.ofMinutes(5)))),
                403, "namespace not authorized");
        assertErrors(call("POST", login, null, Map.of("role", "gateway",
                "jwt", jwts.serviceAccountToken("edge", "intruder", "uid-1", "vault", Duration.ofMinutes(5)))),
                403, "service account name not authorized");
        assertErrors(call("POST", login, null, Map.of("role", "gateway", "jwt", token)), 403, "permission denied");
    }

    @Test
    void cert_loginNeedsTls_andTrustedCertificatesMustParse() {
        vault.enableAuth(root, mount, "cert");
        assertErrors(call("POST", "auth/" + mount + "/certs/web", root, Map.of("certificate", "not a certificate")),
                400, "failed to parse certificate");
        assertErrors(call("POST", "auth/" + mount + "/login", null, Map.of()), 400, "tls connection required");
    }

    @Test
    void token_accessorsListLookUpWithoutTheIdAndRevoke() {
        String token = vault.createToken(root, List.of("default"), "20m");
        String accessor = call("GET", "auth/token/lookup-self", token, null).data().get("accessor").asText();
        assertTrue(vault.accessors(root).contains(accessor));
        JsonNode looked = vault.lookupAccessor(root, accessor);
        assertEquals("", looked.get("id").asText());
        assertEquals(accessor, looked.get("accessor").asText());
        vault.revokeAccessor(root, accessor);
        assertErrorMentions(call("GET", "auth/token/lookup-self", token, null), 403, "permission denied");
        assertErrors(call("POST", "auth/token/lookup-accessor", root, Map.of("accessor", accessor)), 400,
                "invalid accessor");
    }

    // --- seal ---

    @Test
    void sealed_answers503AndHealthSaysSo() {
        vault.enableKv(root, mount, 1);
        vault.putSecret(root, 1, mount, "x", Map.of("a", "b"));
        assertEquals(204, call("PUT", "sys/seal", root, null).status());
        Answer health = call("GET", "sys/health", null, null);
        assertEquals(503, health.status());
        assertTrue(health.json().get("sealed").asBoolean());
        assertErrors(call("GET", mount + "/x", root, null), 503, "Vault is sealed");
        Answer unseal = call("PUT", "sys/unseal", null, Map.of("key", unsealKey()));
        assertEquals(200, unseal.status(), unseal::body);
        assertFalse(unseal.json().get("sealed").asBoolean());
        assertEquals(200, call("GET", mount + "/x", root, null).status());
    }

    // --- PKI ---

    // --- Transit: asymmetric keys that sign (keyless TLS) ---

    private String transitMount() {
        String transit = "transit" + mount;
        vault.expect(204, "POST", "sys/mounts/" + transit, root, Map.of("type", "transit"));
        return transit;
    }

    private java.security.PublicKey transitPublicKey(String transit, String key, int version) throws Exception {
        String pem = call("GET", transit + "/keys/" + key, root, null).data().get("keys").get(String.valueOf(version))
                .get("public_key").asText();
        byte[] der = java.util.Base64.getMimeDecoder().decode(pem.replace("-----BEGIN PUBLIC KEY-----", "")
                .replace("-----END PUBLIC KEY-----", ""));
        String algorithm = key.startsWith("rsa") ? "RSA" : "EC";
        return java.security.KeyFactory.getInstance(algorithm).generatePublic(new java.security.spec.X509EncodedKeySpec(der));
    }

    private static byte[] signatureBytes(String vaultSignature) {
        return java.util.Base64.getDecoder().decode(vaultSignature.substring(vaultSignature.lastIndexOf(':') + 1));
    }

    @Test
    void transit_keysAreCreatedOnce_readWithPkixPublicKeys_andRotated() {
        String transit = transitMount();
        assertEquals(204, call("POST", transit + "/keys/ec", root, Map.of("type", "ecdsa-p256")).status());
        assertEquals(204, call("POST", transit + "/keys/ec", root, Map.of("type", "rsa-2048")).status(),
                "an existing key: 204, unchanged");
        JsonNode key = call("GET", transit + "/keys/ec", root, null).data();
        assertEquals("ecdsa-p256", key.get("type").asText());
        assertEquals(1, key.get("latest_version").asInt());
        assertTrue(key.get("supports_signing").asBoolean());
        assertEquals("P-256", key.get("keys").get("1").get("name").asText());
        assertTrue(key.get("keys").get("1").get("public_key").asText().startsWith("-----BEGIN PUBLIC KEY-----"));
        assertEquals(204, call("POST", transit + "/keys/ec/rotate", root, null).status());
        assertEquals(2, call("GET", transit + "/keys/ec", root, null).data().get("latest_version").asInt());
        assertErrors(call("POST", transit + "/keys/x", root, Map.of("type", "rsa-1024")), 400, "unknown key type rsa-1024");
        assertErrors(call("GET", transit + "/keys/none", root, null), 404);
        assertErrors(call("POST", transit + "/keys/none/rotate", root, null), 400, "key not found");
    }

    @Test
    void transit_signsAPrehashedDigest_ecdsaAsn1_verifiedByTheJdkAndByVerify() throws Exception {
        String transit = transitMount();
        vault.expect(204, "POST", transit + "/keys/ec", root, Map.of("type", "ecdsa-p256"));
        byte[] data = "to be signed".getBytes(StandardCharsets.UTF_8);
        String digest = java.util.Base64.getEncoder().encodeToString(
                java.security.MessageDigest.getInstance("SHA-256").digest(data));
        Answer signed = call("POST", transit + "/sign/ec/sha2-256", root, Map.of("input", digest, "prehashed", true));
        assertEquals(200, signed.status(), signed::body);
        String signature = signed.data().get("signature").asText();
        assertTrue(signature.startsWith("vault:v1:"), signature);
        assertEquals(1, signed.data().get("key_version").asInt());
        java.security.Signature jdk = java.security.Signature.getInstance("SHA256withECDSA");
        jdk.initVerify(transitPublicKey(transit, "ec", 1));
        jdk.update(data);
        assertTrue(jdk.verify(signatureBytes(signature)), "an ASN.1 ECDSA signature of the digest");
        assertTrue(call("POST", transit + "/verify/ec/sha2-256", root, Map.of("input", digest, "prehashed", true,
                "signature", signature)).data().get("valid").asBoolean());
        String other = java.util.Base64.getEncoder().encodeToString(new byte[32]);
        assertFalse(call("POST", transit + "/verify/ec/sha2-256", root, Map.of("input", other, "prehashed", true,
                "signature", signature)).data().get("valid").asBoolean());
        assertErrors(call("POST", transit + "/verify/ec", root, Map.of("input", digest, "signature", "nope")), 400,
                "invalid signature: no prefix");
        assertErrors(call("POST", transit + "/sign/none", root, Map.of("input", digest)), 400, "encryption key not found");
    }

    /** RSA-PSS with the hash's salt (what TLS 1.3 needs), with the largest salt (auto), and PKCS#1 v1.5. */
    @Test
    void transit_signsRsaPssWithTheAskedSalt_andPkcs1v15() throws Exception {
        String transit = transitMount();
        vault.expect(204, "POST", transit + "/keys/rsa", root, Map.of("type", "rsa-2048"));
        java.security.PublicKey publicKey = transitPublicKey(transit, "rsa", 1);
        byte[] data = "to be signed".getBytes(StandardCharsets.UTF_8);
        String digest = java.util.Base64.getEncoder().encodeToString(
                java.security.MessageDigest.getInstance("SHA-256").digest(data));
        for (Object[] salt : new Object[][]{{"hash", 32}, {"auto", 2048 / 8 - 32 - 2}}) {
            String signature = call("POST", transit + "/sign/rsa/sha2-256", root, Map.of("input", digest,
                    "prehashed", true, "signature_algorithm", "pss", "salt_length", salt[0])).data().get("signature").asText();
            java.security.Signature pss = java.security.Signature.getInstance("RSASSA-PSS");
            pss.setParameter(new java.security.spec.PSSParameterSpec("SHA-256", "MGF1",
                    java.security.spec.MGF1ParameterSpec.SHA256, (Integer) salt[1], 1));
            pss.initVerify(publicKey);
            pss.update(data);
            assertTrue(pss.verify(signatureBytes(signature)), "salt_length " + salt[0]);
        }
        String pkcs1 = call("POST", transit + "/sign/rsa/sha2-256", root, Map.of("input", digest, "prehashed", true,
                "signature_algorithm", "pkcs1v15")).data().get("signature").asText();
        java.security.Signature rsa = java.security.Signature.getInstance("SHA256withRSA");
        rsa.initVerify(publicKey);
        rsa.update(data);
        assertTrue(rsa.verify(signatureBytes(pkcs1)));
        assertTrue(call("POST", transit + "/verify/rsa/sha2-256", root, Map.of("input", digest, "prehashed", true,
                "signature_algorithm", "pkcs1v15", "signature", pkcs1)).data().get("valid").asBoolean());
    }

    /** revoke, then the CRL (DER and PEM, no token needed) lists the serial, signed by the CA; crl/rotate answers. */
    @Test
    void pki_revokedSerialIsInTheCrl_signedByTheCa() throws Exception {
        String pki = "pki" + mount;
        vault.expect(204, "POST", "sys/mounts/" + pki, root, Map.of("type", "pki"));
        String caPem = vault.expect(200, "POST", pki + "/root/generate/internal", root,
                Map.of("common_name", "Test Root", "ttl", "87600h")).data().get("certificate").asText();
        vault.expect(200, "POST", pki + "/roles/web", root,
                Map.of("allowed_domains", List.of("example.com"), "allow_subdomains", true, "max_ttl", "72h"));
        JsonNode issued = vault.expect(200, "POST", pki + "/issue/web", root,
                Map.of("common_name", "www.example.com", "ttl", "1h")).data();
        JsonNode kept = vault.expect(200, "POST", pki + "/issue/web", root,
                Map.of("common_name", "api.example.com", "ttl", "1h")).data();
        Answer revoked = call("POST", pki + "/revoke", root, Map.of("serial_number", issued.get("serial_number").asText()));
        assertEquals(200, revoked.status(), revoked::body);
        assertTrue(revoked.data().get("revocation_time").isNumber(), revoked::body);
        assertErrorMentions(call("POST", pki + "/revoke", root, Map.of("serial_number", "11:22:33")), 400, "not found");

        CertificateFactory factory = CertificateFactory.getInstance("X.509");
        X509Certificate ca = (X509Certificate) factory.generateCertificate(
                new ByteArrayInputStream(caPem.getBytes(StandardCharsets.US_ASCII)));
        VaultHttp.RawAnswer der = vault.raw(pki + "/crl");
        assertEquals(200, der.status());
        assertEquals("application/pkix-crl", der.contentType());
        java.security.cert.X509CRL crl = (java.security.cert.X509CRL) factory.generateCRL(new ByteArrayInputStream(der.body()));
        crl.verify(ca.getPublicKey());
        assertTrue(crl.isRevoked(certificate(issued.get("certificate").asText())));
        assertFalse(crl.isRevoked(certificate(kept.get("certificate").asText())));
        assertTrue(crl.getNextUpdate().after(crl.getThisUpdate()));
        VaultHttp.RawAnswer pem = vault.raw(pki + "/crl/pem");
        assertEquals(200, pem.status());
        assertTrue(new String(pem.body(), StandardCharsets.US_ASCII).startsWith("-----BEGIN X509 CRL-----"));
        assertEquals(200, call("GET", pki + "/crl/rotate", root, null).status());
        assertEquals(204, vault.raw(pki + "/crl/delta/pem").status(), "no delta CRL on a default mount");
        Answer config = call("POST", pki + "/config/crl", root, Map.of("expiry", "48h"));
        assertEquals(200, config.status(), config::body);
        assertEquals("48h", config.data().get("expiry").asText());
        assertErrorMentions(call("POST", pki + "/config/crl", root, Map.of("enable_delta", true)), 400,
                "Delta CRLs cannot be enabled when auto rebuilding is disabled");
        assertFalse(call("GET", pki + "/config/crl", root, null).data().get("enable_delta").asBoolean(),
                "a refused write keeps nothing");
    }

    @Test
    void pki_issueAnswersCertificateAndPkcs1Key_unknownRoleIs400() {
        String pki = "pki" + mount;
        vault.expect(204, "POST", "sys/mounts/" + pki, root, Map.of("type", "pki"));
        vault.expect(200, "POST", pki + "/root/generate/internal", root, Map.of("common_name", "Test Root", "ttl", "87600h"));
        vault.expect(200, "POST", pki + "/roles/web", root,
                Map.of("allowed_domains", List.of("example.com"), "allow_subdomains", true, "max_ttl", "72h"));
        Answer a = call("POST", pki + "/issue/web", root, Map.of("common_name", "www.example.com", "ttl", "1h"));
        assertEquals(200, a.status(), a::body);
        assertTrue(a.data().get("certificate").asText().startsWith("-----BEGIN CERTIFICATE-----"));
        assertTrue(a.data().get("private_key").asText().startsWith("-----BEGIN RSA PRIVATE KEY-----"));
        assertEquals("rsa", a.data().get("private_key_type").asText());
        assertTrue(a.data().get("serial_number").asText().matches("[0-9a-f]{2}(:[0-9a-f]{2})+"), a::body);
        assertTrue(a.data().get("expiration").isNumber());
        assertTrue(a.data().get("ca_chain").isArray());
        assertErrors(call("POST", pki + "/issue/nope", root, Map.of("common_name", "www.example.com")),
                400, "unknown role: nope");
    }

    @Test
    void pki_signCertifiesTheCsrsKey_withoutAnsweringAPrivateKey() throws Exception {
        String pki = pkiWithRoot();
        vault.expect(200, "POST", pki + "/roles/gw", root, Map.of("allowed_domains", List.of("example.com"),
                "allow_subdomains", true, "key_type", "ec", "max_ttl", "72h"));
        KeyPair keys = KeyPairGenerator.getInstance("EC").generateKeyPair();
        Answer a = call("POST", pki + "/sign/gw", root, Map.of("csr", csr(keys, "www.example.com", "api.example.com"),
                "common_name", "www.example.com", "alt_names", "api.example.com", "ttl", "1h"));
        assertEquals(200, a.status(), a::body);
        assertFalse(a.data().has("private_key"), a::body);
        X509Certificate leaf = certificate(a.data().get("certificate").asText());
        assertEquals(keys.getPublic(), leaf.getPublicKey(), "the CSR's key is certified");
        assertEquals(List.of("www.example.com", "api.example.com"), dnsNames(leaf));
        assertTrue(a.data().get("ca_chain").isArray() && a.data().get("ca_chain").size() >= 1, a::body);
        X509Certificate issuer = certificate(a.data().get("ca_chain").get(0).asText());
        leaf.verify(issuer.getPublicKey());
        assertTrue(a.data().get("serial_number").asText().matches("[0-9a-f]{2}(:[0-9a-f]{2})+"), a::body);
        assertEquals(leaf.getNotAfter().toInstant().getEpochSecond(), a.data().get("expiration").asLong());
        Answer ca = call("GET", pki + "/cert/ca", null, null);
        assertEquals(200, ca.status(), "the CA certificate needs no token: " + ca.body());
        assertEquals(issuer, certificate(ca.data().get("certificate").asText()));
        assertTrue(leaf.getNotBefore().toInstant().isBefore(Instant.now().minusSeconds(20)),
                "notBefore is backdated (not_before_duration, 30 s)");
    }

    @Test
    void pki_issueWithAnEcRole_answersASec1KeyCarryingItsCurveAndPublicKey() throws Exception {
        String pki = pkiWithRoot();
        vault.expect(200, "POST", pki + "/roles/ec", root, Map.of("allowed_domains", List.of("example.com"),
                "allow_subdomains", true, "key_type", "ec"));
        Answer a = call("POST", pki + "/issue/ec", root, Map.of("common_name", "www.example.com"));
        assertEquals(200, a.status(), a::body);
        String key = a.data().get("private_key").asText();
        assertTrue(key.startsWith("-----BEGIN EC PRIVATE KEY-----"), key.substring(0, 40));
        assertEquals("ec", a.data().get("private_key_type").asText());
        try (PEMParser parser = new PEMParser(new StringReader(key))) {
            KeyPair pair = new JcaPEMKeyConverter().getKeyPair((PEMKeyPair) parser.readObject());
            assertEquals(certificate(a.data().get("certificate").asText()).getPublicKey(), pair.getPublic());
        }
    }

    @Test
    void pki_signRefusesAKeyTheRoleDoesNotAllow_andAMissingCsr() throws Exception {
        String pki = pkiWithRoot();
        vault.expect(200, "POST", pki + "/roles/rsaonly", root, Map.of("allowed_domains", List.of("example.com"),
                "allow_subdomains", true));
        KeyPair ec = KeyPairGenerator.getInstance("EC").generateKeyPair();
        assertErrorMentions(call("POST", pki + "/sign/rsaonly", root, Map.of("csr", csr(ec, "www.example.com"),
                "common_name", "www.example.com")), 400, "requires keys of type rsa");
        assertErrorMentions(call("POST", pki + "/sign/rsaonly", root, Map.of("common_name", "www.example.com")),
                400, "csr");
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        assertErrorMentions(call("POST", pki + "/sign/rsaonly", root, Map.of("csr", csr(rsa.generateKeyPair(), "www.other.org"),
                "common_name", "www.other.org")), 400, "not allowed");
        assertErrors(call("POST", pki + "/sign/nope", root, Map.of("csr", csr(ec, "www.example.com"))),
                400, "unknown role: nope");
    }

    private String pkiWithRoot() {
        String pki = "pki" + mount;
        vault.expect(204, "POST", "sys/mounts/" + pki, root, Map.of("type", "pki"));
        vault.expect(200, "POST", pki + "/root/generate/internal", root, Map.of("common_name", "Test Root", "ttl", "87600h"));
        return pki;
    }

    /** A PKCS#10 request for {@code names} (the first as CN, all as DNS SANs), PEM. */
    private static String csr(KeyPair keys, String... names) throws Exception {
        GeneralName[] sans = Arrays.stream(names).map(n -> new GeneralName(GeneralName.dNSName, n)).toArray(GeneralName[]::new);
        ExtensionsGenerator extensions = new ExtensionsGenerator();
        extensions.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans));
        PKCS10CertificationRequest request = new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=" + names[0]), keys.getPublic())
                .addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, extensions.generate())
                .build(new JcaContentSignerBuilder(keys.getPrivate().getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA")
                        .build(keys.getPrivate()));
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(request);
        }
        return out.toString();
    }

    private static X509Certificate certificate(String pem) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
    }

    private static List<String> dnsNames(X509Certificate cert) throws Exception {
        return cert.getSubjectAlternativeNames().stream().filter(n -> (Integer) n.get(0) == 2)
                .map(n -> (String) n.get(1)).toList();
    }

    // --- namespace ---

    @Test
    void namespaceHeader_isIgnoredByCommunityEdition() {
        vault.enableKv(root, mount, 1);
        vault.putSecret(root, 1, mount, "x", Map.of("a", "b"));
        Answer a = vault.call("GET", mount + "/x", root, null, Map.of("X-Vault-Namespace", "team-a"));
        assertEquals(200, a.status(), a::body);
        assertEquals("b", a.data().get("a").asText());
    }
}
