package io.github.vaultsni.vaulttest;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The Kubernetes auth method as vault-plugin-auth-kubernetes v0.15 (Vault 1.13) answers: {@code config} (the API
 * server to ask), roles bound to service-account names and namespaces, and login with a service-account JWT. The
 * JWT's claims are checked as the plugin does without {@code pem_keys} (signature not verified, algorithm, expiry,
 * audience, namespace, then name), then the token is sent to the configured API server's TokenReview endpoint, as
 * the plugin sends it; whatever answers there (a test's own server) decides whether it is valid.
 */
final class KubernetesBackend implements AuthBackend {
    private static final Path LOCAL_CA = Path.of("/var/run/secrets/kubernetes.io/serviceaccount/ca.crt");
    private static final Duration LEEWAY = Duration.ofSeconds(60);
    private static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384,
            JWSAlgorithm.RS512, JWSAlgorithm.ES256, JWSAlgorithm.ES384, JWSAlgorithm.ES512);

    /** The API server to ask, and the client that asks it. */
    private record Config(String host, String caCert, String reviewerJwt, boolean disableLocalCaJwt, HttpClient client) {
    }

    private record Role(List<String> names, List<String> namespaces, String audience, RoleTokenFields tokens) {
    }

    /** The service account a JWT names. */
    private record ServiceAccount(String namespace, String name, String uid, String secretName) {
    }

    private final String mount;
    private final TokenStore tokens;
    private final Clock clock;
    private final AuthRoles<Role> roles = new AuthRoles<>((name, request) -> role(request),
            KubernetesBackend::read);
    private volatile Config config;

    KubernetesBackend(String mount, TokenStore tokens, Clock clock) {
        this.mount = mount;
        this.tokens = tokens;
        this.clock = clock;
    }

    @Override
    public Reply handle(VaultRequest request, String path) {
        boolean write = request.operation() == Operation.CREATE || request.operation() == Operation.UPDATE;
        if (path.equals("config")) {
            if (write) {
                return writeConfig(request);
            }
            Config c = config;
            return c == null ? Reply.error(VaultError.notFound()) : Reply.data(Json.fields("kubernetes_host", c.host(),
                    "kubernetes_ca_cert", c.caCert(), "pem_keys", List.of(), "issuer", "",
                    "disable_iss_validation", true, "disable_local_ca_jwt", c.disableLocalCaJwt()));
        }
        if (path.startsWith("role/") && path.length() > 5) {
            return roles.handle(request, path.substring(5));
        }
        throw VaultError.noHandler("auth/" + mount + path);
    }

    private Reply writeConfig(VaultRequest request) {
        String host = request.param("kubernetes_host");
        if (host == null || host.isEmpty()) {
            throw VaultError.badRequest("no host provided");
        }
        String ca = request.param("kubernetes_ca_cert");
        String reviewer = request.param("token_reviewer_jwt");
        boolean disableLocal = Boolean.parseBoolean(request.param("disable_local_ca_jwt"));
        if (reviewer != null && !reviewer.isEmpty()) {
            try {
                SignedJWT.parse(reviewer);
            } catch (ParseException e) {
                throw new VaultError(500, "go-jose/go-jose: compact JWS format must have three parts");
            }
        }
        if ((ca == null || ca.isEmpty()) && disableLocal) {
            throw VaultError.badRequest("kubernetes_ca_cert must be given when disable_local_ca_jwt is true");
        }
        if ((ca == null || ca.isEmpty()) && !Files.isReadable(LOCAL_CA)) {
            throw VaultError.badRequest("open " + LOCAL_CA + ": no such file or directory");
        }
        if (!Json.stringList(request.body().get("pem_keys")).isEmpty()) {
            throw VaultError.badRequest("the test server does not verify service-account JWTs with pem_keys");
        }
        if (request.param("issuer") != null && !request.param("issuer").isEmpty()
                && "false".equals(request.param("disable_iss_validation"))) {
            throw VaultError.badRequest("the test server does not check the issuer");
        }
        String trimmed = host.replaceAll("/+$", "");
        config = new Config(trimmed, ca, reviewer, disableLocal, client(trimmed, ca));
        return Reply.noContent();
    }

    private static Map<String, Object> read(Role role) {
        Map<String, Object> data = new LinkedHashMap<>(role.tokens().read());
        data.put("bound_service_account_names", role.names());
        data.put("bound_service_account_namespaces", role.namespaces());
        if (role.audience() != null) {
            data.put("audience", role.audience());
        }
        return data;
    }

    private static Role role(VaultRequest request) {
        List<String> names = boundList(request, "bound_service_account_names");
        List<String> namespaces = boundList(request, "bound_service_account_namespaces");
        String audience = request.param("audience");
        String aliasSource = request.param("alias_name_source");
        if (aliasSource != null && !aliasSource.isEmpty() && !aliasSource.equals("serviceaccount_uid")
                && !aliasSource.equals("serviceaccount_name")) {
            throw VaultError.badRequest("invalid alias_name_source, must be one of: serviceaccount_uid, serviceaccount_name");
        }
        return new Role(names, namespaces, audience == null || audience.isEmpty() ? null : audience,
                RoleTokenFields.from(request, "token ttl should not be greater than token max ttl"));
    }

    private static List<String> boundList(VaultRequest request, String field) {
        List<String> values = Json.stringList(request.body().get(field));
        if (values.isEmpty()) {
            throw VaultError.badRequest("\"" + field + "\" can not be empty");
        }
        if (values.size() > 1 && values.contains("*")) {
            throw VaultError.badRequest("can not mix \"*\" with values");
        }
        return values;
    }

    @Override
    public Reply login(VaultRequest request) {
        String roleName = request.param("role");
        if (roleName == null || roleName.isEmpty()) {
            throw VaultError.badRequest("missing role");
        }
        String jwt = request.param("jwt");
        if (jwt == null || jwt.isEmpty()) {
            throw VaultError.badRequest("missing jwt");
        }
        Role role = roles.get(roleName);
        if (role == null) {
            throw VaultError.badRequest("invalid role name \"" + roleName + "\"");
        }
        Config c = config;
        if (c == null) {
            throw new VaultError(500, "could not load backend configuration");
        }
        ServiceAccount account = checkClaims(jwt, role);
        review(c, jwt, role, account);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("role", roleName);
        meta.put("service_account_name", account.name());
        meta.put("service_account_namespace", account.namespace());
        meta.put("service_account_uid", account.uid());
        meta.put("service_account_secret_name", account.secretName());
        Token token = role.tokens().issue(tokens, mount, account.namespace() + "-" + account.name(), meta);
        return Reply.auth(tokens.authBlock(token));
    }

    @Override
    public void checkRenewal(Token token, VaultRequest request) {
        String role = token.meta().get("role");
        if (roles.get(role) == null) {
            throw AuthBackend.renewalFailed("role " + role + " does not exist during renewal");
        }
    }

    /** The plugin's checks of the JWT itself, before it asks the API server. */
    private ServiceAccount checkClaims(String jwt, Role role) {
        JWTClaimsSet claims;
        try {
            SignedJWT parsed = SignedJWT.parse(jwt);
            if (!ALGORITHMS.contains(parsed.getHeader().getAlgorithm())) {
                throw new VaultError(403, "invalid algorithm (alg) header parameter: token signed with unexpected algorithm");
            }
            claims = parsed.getJWTClaimsSet();
        } catch (ParseException e) {
            throw VaultError.permissionDenied();
        }
        Instant now = clock.instant();
        Date exp = claims.getExpirationTime();
        if (exp != null && now.isAfter(exp.toInstant().plus(LEEWAY))) {
            throw new VaultError(403, "invalid expiration time (exp) claim: token is expired");
        }
        Date nbf = claims.getNotBeforeTime();
        if (nbf != null && now.plus(LEEWAY).isBefore(nbf.toInstant())) {
            throw new VaultError(403, "invalid not before (nbf) claim: token not yet valid");
        }
        if (role.audience() != null && (claims.getAudience() == null || !claims.getAudience().contains(role.audience()))) {
            throw new VaultError(403, "invalid audience (aud) claim: audience claim does not match any expected audience");
        }
        ServiceAccount account = account(claims);
        if (!Glob.anyMatches(role.namespaces(), account.namespace())) {
            throw new VaultError(403, "namespace not authorized");
        }
        if (!Glob.anyMatches(role.names(), account.name())) {
            throw new VaultError(403, "service account name not authorized");
        }
        if (account.uid().isEmpty()) {
            throw new VaultError(500, "could not parse UID from claims");
        }
        return account;
    }

    /** The projected token's {@code kubernetes.io} claims, else the legacy secret token's flat ones. */
    private static ServiceAccount account(JWTClaimsSet claims) {
        Object projected = claims.getClaim("kubernetes.io");
        if (projected instanceof Map<?, ?> k8s && k8s.get("serviceaccount") instanceof Map<?, ?> sa) {
            return new ServiceAccount(text(k8s.get("namespace")), text(sa.get("name")), text(sa.get("uid")), "");
        }
        String prefix = "kubernetes.io/serviceaccount/";
        return new ServiceAccount(text(claims.getClaim(prefix + "namespace")),
                text(claims.getClaim(prefix + "service-account.name")),
                text(claims.getClaim(prefix + "service-account.uid")), text(claims.getClaim(prefix + "secret.name")));
    }

    private static String text(Object value) {
        return value == null ? "" : value.toString();
    }

    /** The TokenReview, as the plugin sends it; any failure there is a bare "permission denied". */
    private void review(Config c, String jwt, Role role, ServiceAccount account) {
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("token", jwt);
        List<String> audiences = role.audience() != null ? List.of(role.audience()) : audiences(jwt);
        if (!audiences.isEmpty()) {
            spec.put("audiences", audiences);
        }
        Map<String, Object> body = Json.fields("metadata", Json.fields("creationTimestamp", null), "spec", spec,
                "status", Json.fields("user", Map.of()));
        String bearer = c.reviewerJwt() != null && !c.reviewerJwt().isEmpty() ? c.reviewerJwt() : jwt;
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create(c.host() + "/apis/authentication.k8s.io/v1/tokenreviews"))
                    .timeout(Duration.ofSeconds(5)).header("Authorization", "Bearer " + bearer)
                    .header("Content-Type", "application/json").header("Accept", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(Json.write(body))).build();
            HttpResponse<byte[]> response = c.client().send(request, HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() < 200 || response.statusCode() > 206) {
                throw VaultError.permissionDenied();
            }
            if (!reviewed(Json.parseObject(response.body()), audiences, account)) {
                throw VaultError.permissionDenied();
            }
        } catch (VaultError e) {
            throw VaultError.permissionDenied();
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw VaultError.permissionDenied();
        }
    }

    private static List<String> audiences(String jwt) {
        try {
            List<String> aud = SignedJWT.parse(jwt).getJWTClaimsSet().getAudience();
            return aud == null ? List.of() : aud;
        } catch (ParseException e) {
            return List.of();
        }
    }

    /** Whether the review says the token is this service account's, for the audiences asked. */
    private static boolean reviewed(Map<String, Object> review, List<String> audiences, ServiceAccount account) {
        if (!(review.get("status") instanceof Map<?, ?> status) || status.get("error") != null
                && !status.get("error").toString().isEmpty() || !Boolean.TRUE.equals(status.get("authenticated"))) {
            return false;
        }
        if (!audiences.isEmpty()) {
            List<String> granted = Json.stringList(status.get("audiences"));
            if (granted.stream().noneMatch(audiences::contains)) {
                return false;
            }
        }
        if (!(status.get("user") instanceof Map<?, ?> user)) {
            return false;
        }
        String[] parts = text(user.get("username")).split(":", -1);
        return parts.length == 4 && parts[0].equals("system") && parts[1].equals("serviceaccount")
                && parts[2].equals(account.namespace()) && parts[3].equals(account.name())
                && text(user.get("uid")).equals(account.uid());
    }

    /** A client for the API server, trusting {@code caPem} for an https one. */
    private static HttpClient client(String host, String caPem) {
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
                .version(HttpClient.Version.HTTP_1_1);
        if (host.startsWith("https:") && caPem != null && !caPem.isEmpty()) {
            try {
                KeyStore trust = KeyStore.getInstance("PKCS12");
                trust.load(null, null);
                int i = 0;
                for (Certificate cert : CertificateFactory.getInstance("X.509").generateCertificates(
                        new ByteArrayInputStream(caPem.getBytes(StandardCharsets.US_ASCII)))) {
                    trust.setCertificateEntry("ca-" + i++, cert);
                }
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(trust);
                SSLContext tls = SSLContext.getInstance("TLS");
                tls.init(null, tmf.getTrustManagers(), null);
                builder.sslContext(tls);
            } catch (java.security.GeneralSecurityException | java.io.IOException e) {
                throw VaultError.badRequest("error parsing kubernetes_ca_cert: " + e.getClass().getSimpleName());
            }
        }
        return builder.build();
    }
}
