package io.github.vaultsni.vaulttest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A small HTTP client for Vault's API in tests: the same calls set up the test server and a real Vault.
 * Every answer is checked for Vault's exact {@code Content-Type: application/json}.
 */
public final class VaultHttp {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final HttpClient client;
    private final String address;

    public VaultHttp(String address) {
        this(address, null);
    }

    /** A client for an HTTPS Vault, trusting what {@code trust} trusts. */
    public VaultHttp(String address, SSLContext trust) {
        this.address = address;
        HttpClient.Builder builder = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5));
        if (trust != null) {
            builder.sslContext(trust);
        }
        this.client = builder.build();
    }

    /** One answer: status, the Content-Type and Cache-Control headers, the raw body and its JSON (or null). */
    public record Answer(int status, String contentType, String cacheControl, String body, JsonNode json) {
        public JsonNode data() {
            return json.get("data");
        }

        public List<String> errors() {
            return MAPPER.convertValue(json.get("errors"), MAPPER.getTypeFactory().constructCollectionType(List.class, String.class));
        }
    }

    public Answer call(String method, String path, String token, Object body) {
        return call(method, path, token, body, Map.of());
    }

    public Answer call(String method, String path, String token, Object body, Map<String, String> headers) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(address + "/v1/" + path))
                    .timeout(Duration.ofSeconds(30))
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofByteArray(MAPPER.writeValueAsBytes(body)));
            if (token != null) {
                request.header("X-Vault-Token", token);
            }
            headers.forEach(request::header);
            HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
            String text = response.body();
            JsonNode json = text.isEmpty() ? null : MAPPER.readTree(text);
            return new Answer(response.statusCode(), response.headers().firstValue("Content-Type").orElse(null),
                    response.headers().firstValue("Cache-Control").orElse(null), text, json);
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Calls and insists on one of the expected statuses, naming the call and answer when it differs. */
    public Answer expect(int status, String method, String path, String token, Object body) {
        Answer answer = call(method, path, token, body);
        if (answer.status() != status) {
            throw new AssertionError(method + " " + path + " answered " + answer.status() + " " + answer.body()
                    + ", expected " + status);
        }
        return answer;
    }

    // The setup steps tests share, each as the Vault CLI command it stands for.

    /** {@code vault secrets enable -path=<path> -version=<version> kv}. */
    public void enableKv(String rootToken, String path, int version) {
        expect(204, "POST", "sys/mounts/" + path, rootToken,
                Map.of("type", "kv", "options", Map.of("version", String.valueOf(version))));
    }

    /** {@code vault policy write <name> -} with HCL rules. */
    public void writePolicy(String rootToken, String name, String hcl) {
        expect(204, "PUT", "sys/policies/acl/" + name, rootToken, Map.of("policy", hcl));
    }

    /** {@code vault token create -policy=... [-ttl=...]}: the new token's id. */
    public String createToken(String rootToken, List<String> policies, String ttl) {
        Map<String, Object> body = ttl == null ? Map.of("policies", policies) : Map.of("policies", policies, "ttl", ttl);
        return expect(200, "POST", "auth/token/create", rootToken, body).json().get("auth").get("client_token").asText();
    }

    /**
     * {@code vault secrets enable -path=<mount> pki} and {@code vault write <mount>/root/generate/internal
     * common_name="Internal Root" ttl=87600h}: the root CA's certificate, PEM.
     */
    public String enablePki(String rootToken, String mount) {
        expect(204, "POST", "sys/mounts/" + mount, rootToken, Map.of("type", "pki"));
        return expect(200, "POST", mount + "/root/generate/internal", rootToken,
                Map.of("common_name", "Internal Root", "ttl", "87600h")).data().get("certificate").asText();
    }

    /** {@code vault kv put} on KV v1 ({@code <mount>/<path>}) or v2 (written under {@code <mount>/data/<path>}). */
    public void putSecret(String rootToken, int version, String mount, String path, Map<String, String> fields) {
        if (version == 1) {
            expect(204, "PUT", mount + "/" + path, rootToken, fields);
        } else {
            expect(200, "PUT", mount + "/data/" + path, rootToken, Map.of("data", fields));
        }
    }

    /** {@code vault auth enable approle} and a role; answers {role_id, secret_id}. */
    public String[] appRole(String rootToken, String role, List<String> policies, String tokenTtl) {
        call("POST", "sys/auth/approle", rootToken, Map.of("type", "approle"));
        expect(204, "POST", "auth/approle/role/" + role, rootToken,
                Map.of("token_policies", policies, "token_ttl", tokenTtl, "token_max_ttl", "1h"));
        String roleId = expect(200, "GET", "auth/approle/role/" + role + "/role-id", rootToken, null)
                .data().get("role_id").asText();
        String secretId = expect(200, "POST", "auth/approle/role/" + role + "/secret-id", rootToken, null)
                .data().get("secret_id").asText();
        return new String[]{roleId, secretId};
    }

    /** {@code vault auth enable -path=<path> <type>}. */
    public void enableAuth(String rootToken, String path, String type) {
        expect(204, "POST", "sys/auth/" + path, rootToken, Map.of("type", type));
    }

    /**
     * {@code vault write auth/<mount>/config jwt_validation_pubkeys=<pem>} and a {@code jwt} role bound to
     * {@code audience} whose user is the JWT's subject.
     */
    public void jwtRole(String rootToken, String mount, String role, String publicKeyPem, String audience,
                        List<String> policies, String tokenTtl) {
        expect(204, "POST", "auth/" + mount + "/config", rootToken, Map.of("jwt_validation_pubkeys", List.of(publicKeyPem)));
        expect(204, "POST", "auth/" + mount + "/role/" + role, rootToken, Map.of("role_type", "jwt",
                "user_claim", "sub", "bound_audiences", List.of(audience), "token_policies", policies,
                "token_ttl", tokenTtl, "token_max_ttl", "1h"));
    }

    /**
     * {@code vault write auth/<mount>/config kubernetes_host=<host> ...} (a CA given, as Vault needs outside a pod)
     * and a role bound to one service account.
     */
    public void kubernetesRole(String rootToken, String mount, String role, String host, String caPem,
                               String namespace, String serviceAccount, List<String> policies, String tokenTtl) {
        expect(204, "POST", "auth/" + mount + "/config", rootToken, Map.of("kubernetes_host", host,
                "kubernetes_ca_cert", caPem, "disable_local_ca_jwt", true));
        expect(204, "POST", "auth/" + mount + "/role/" + role, rootToken, Map.of(
                "bound_service_account_names", List.of(serviceAccount),
                "bound_service_account_namespaces", List.of(namespace), "token_policies", policies,
                "token_ttl", tokenTtl, "token_max_ttl", "1h"));
    }

    /** {@code vault write auth/<mount>/certs/<name> certificate=<pem> ...}. */
    public void certRole(String rootToken, String mount, String name, String certificatePem, List<String> policies,
                         String tokenTtl) {
        expect(204, "POST", "auth/" + mount + "/certs/" + name, rootToken, Map.of("certificate", certificatePem,
                "token_policies", policies, "token_ttl", tokenTtl, "token_max_ttl", "1h"));
    }

    /** The accessors of the live tokens ({@code vault list auth/token/accessors}). */
    public List<String> accessors(String rootToken) {
        List<String> out = new java.util.ArrayList<>();
        expect(200, "LIST", "auth/token/accessors", rootToken, null).data().get("keys").forEach(k -> out.add(k.asText()));
        return out;
    }

    /** {@code vault token lookup -accessor}: the token's data, its id left out. */
    public JsonNode lookupAccessor(String rootToken, String accessor) {
        return expect(200, "POST", "auth/token/lookup-accessor", rootToken, Map.of("accessor", accessor)).data();
    }

    /** {@code vault token revoke -accessor}. */
    public void revokeAccessor(String rootToken, String accessor) {
        expect(204, "POST", "auth/token/revoke-accessor", rootToken, Map.of("accessor", accessor));
    }

    /** A read whose answer is not JSON (a CRL): its status, content type and bytes; no token sent. */
    public RawAnswer raw(String path) {
        try {
            HttpResponse<byte[]> response = client.send(HttpRequest.newBuilder(URI.create(address + "/v1/" + path))
                    .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
            return new RawAnswer(response.statusCode(), response.headers().firstValue("Content-Type").orElse(null),
                    response.body());
        } catch (IOException e) {
            throw new UncheckedIOException("GET " + path, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A raw answer. */
    public record RawAnswer(int status, String contentType, byte[] body) {
    }
}
