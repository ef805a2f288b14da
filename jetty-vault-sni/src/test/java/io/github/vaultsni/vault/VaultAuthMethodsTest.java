package io.github.vaultsni.vault;

import io.github.vaultsni.secret.AuthStatus;
import io.github.vaultsni.secret.SecretException;
import io.github.vaultsni.secret.SecretException.Kind;
import io.github.vaultsni.secret.SecretReference;
import io.github.vaultsni.secret.SecretResolver;
import io.github.vaultsni.testsupport.TestClock;
import io.github.vaultsni.vaulttest.ClientCertificates;
import io.github.vaultsni.vaulttest.RecordedRequest;
import io.github.vaultsni.vaulttest.SelfSignedTls;
import io.github.vaultsni.vaulttest.TestJwts;
import io.github.vaultsni.vaulttest.TokenReviewServer;
import io.github.vaultsni.vaulttest.VaultHttp;
import io.github.vaultsni.vaulttest.VaultTestServer;
import org.eclipse.jetty.util.component.LifeCycle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each way a secret object authenticates, against the Vault test server's login endpoints (which answer as Vault's
 * API does; for Kubernetes the token review is answered by this test): logs in, renews, logs in again after its
 * token's TTL and after Vault refuses the token, picks up a rotated JWT, certificate or token file without a
 * restart, and shows a refusal in its status, never the token or the credential.
 */
@Timeout(120)
class VaultAuthMethodsTest {
    private static final String ROOT = "root-token-never-printed";
    private static final String SSL = "ssl";
    private static final Map<String, String> FIELDS = Map.of("test.com.crt", "CERT", "test.com.key", "KEY");

    private final TestClock clock = new TestClock(Instant.now());
    private final TestJwts jwts = new TestJwts(clock);
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private VaultTestServer server;
    private VaultHttp http;
    @TempDir
    Path dir;

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
    }

    /** KV v1 at kv/ with the certificate's fields, and a policy that reads them. */
    private void vault(SelfSignedTls tls) {
        server = VaultTestServer.builder().rootToken(ROOT).clock(clock).tls(tls == null ? null : tls.serverContext()).start();
        closeables.add(server);
        http = tls == null ? new VaultHttp(server.address()) : new VaultHttp(server.address(), tls.clientContext());
        http.enableKv(ROOT, "kv", 1);
        http.writePolicy(ROOT, "apisix-policy", "path \"kv/apisix/*\" {\n    capabilities = [\"read\"]\n}\n");
        http.putSecret(ROOT, 1, "kv", "apisix/ssl", FIELDS);
    }

    /**
     * The Vault below with Kubernetes auth at {@code kubernetes/}: the role {@code gateway} for the service account
     * edge/gateway, 60 s tokens; and the API server it asks, answered by this test.
     */
    private TokenReviewServer kubernetesVault() {
        vault(null);
        TokenReviewServer reviews = TokenReviewServer.start();
        closeables.add(reviews);
        http.enableAuth(ROOT, "kubernetes", "kubernetes");
        http.kubernetesRole(ROOT, "kubernetes", "gateway", reviews.address(), SelfSignedTls.create().certificatePem(),
                "edge", "gateway", List.of("apisix-policy"), "60s");
        return reviews;
    }

    /** A manager logging in at {@code kubernetes/} as {@code role}, with {@code jwt} in its token file. */
    private VaultSecretManager kubernetesManager(String role, String jwt) throws IOException {
        return manager(new VaultAuth.Kubernetes(role, write("token", jwt), VaultAuth.AuthMount.of("kubernetes")));
    }

    private VaultSecretManager manager(VaultAuth auth) {
        return manager(VaultSettings.builder(server.address()).prefix("kv/apisix").auth(auth));
    }

    private VaultSecretManager manager(VaultSettings.Builder settings) {
        VaultSecretManager manager = new VaultSecretManager(settings.build(), clock, value -> value);
        closeables.add(manager);
        return manager;
    }

    private long logins(String mount) {
        return server.count("POST", "/v1/auth/" + mount + "/login");
    }

    private Path write(String name, String content) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, content);
        return file;
    }

    /** Revokes every token the mount's logins issued, as an operator would (vault token revoke -accessor). */
    private void revokeTokensOf(String mount) {
        for (String accessor : http.accessors(ROOT)) {
            if (http.lookupAccessor(ROOT, accessor).get("path").asText().equals("auth/" + mount + "/login")) {
                http.revokeAccessor(ROOT, accessor);
            }
        }
    }

    private static void assertNoSecret(AuthStatus status, String... secrets) {
        String shown = status.toString();
        for (String secret : secrets) {
            assertFalse(shown.contains(secret), () -> "status shows a secret: " + shown);
        }
    }

    @Test
    void kubernetes_logsIn_renews_logsInAgainAfterRevocationAndTtl_withTheRotatedJwt() throws IOException {
        TokenReviewServer reviews = kubernetesVault();
        String first = jwts.serviceAccountToken("edge", "gateway", "uid-1", "vault", Duration.ofHours(1));
        reviews.accept(first, "edge", "gateway", "uid-1");
        Path jwtFile = write("token", first + "\n");
        VaultSecretManager manager = manager(VaultSettings.builder(server.address()).prefix("kv/apisix").namespace("ns1")
                .auth(new VaultAuth.Kubernetes("gateway", jwtFile, new VaultAuth.AuthMount("kubernetes", "ns-login"))));

        assertEquals(FIELDS, manager.read(SSL).orElseThrow());
        assertEquals(1, logins("kubernetes"));
        assertEquals(List.of(first), reviews.reviewed(), "Vault asked the API server about the file's JWT");
        RecordedRequest login = server.requests().stream().filter(r -> r.path().endsWith("/login")).findFirst().orElseThrow();
        assertEquals("ns-login", login.namespace(), "a login goes to the auth method's namespace");
        AuthStatus status = manager.authStatus().orElseThrow();
        assertEquals("kubernetes", status.method());
        assertEquals(Map.of("role", "gateway", "jwt_file", jwtFile.toString(), "mount", "kubernetes",
                "namespace", "ns-login"), status.settings());
        assertEquals(clock.instant().plusSeconds(60), status.token().expiresAt());
        assertNoSecret(status, first);

        // Two thirds into the lease the upkeep renews; no new login.
        clock.advance(Duration.ofSeconds(41));
        manager.maintain();
        assertEquals(1, server.count("POST", "/v1/auth/token/renew-self"));
        assertEquals(1, logins("kubernetes"));

        // An operator revokes the token: the next read is refused, logs in again and succeeds.
        revokeTokensOf("kubernetes");
        assertEquals(FIELDS, manager.read(SSL).orElseThrow());
        assertEquals(2, logins("kubernetes"));

        // The kubelet rotates the token; the old one stops being valid. The next login (past the TTL) sends the new one.
        String second = jwts.serviceAccountToken("edge", "gateway", "uid-1", "vault", Duration.ofHours(1));
        reviews.accept(second, "edge", "gateway", "uid-1");
        reviews.revoke(first);
        Files.writeString(jwtFile, second);
        clock.advance(Duration.ofSeconds(61));
        assertEquals(FIELDS, manager.read(SSL).orElseThrow());
        assertEquals(3, logins("kubernetes"));
        assertEquals(second, reviews.reviewed().get(reviews.reviewed().size() - 1));
        AuthStatus after = manager.authStatus().orElseThrow();
        assertEquals(new AuthStatus.Logins(3, 0, 0, null, null), after.logins());
        assertNoSecret(after, first, second);
    }

    @Test
    void kubernetes_wrongRole_isInTheStatus_backsOff_andNeverShowsTheJwt() throws IOException {
        TokenReviewServer reviews = kubernetesVault();
        String jwt = jwts.serviceAccountToken("edge", "gateway", "uid-1", "vault", Duration.ofHours(1));
        reviews.accept(jwt, "edge", "gateway", "uid-1");
        VaultSecretManager manager = kubernetesManager("nope", jwt);

        SecretException refused = assertThrows(SecretException.class, () -> manager.read(SSL));
        assertEquals(Kind.AUTH_FAILED, refused.kind());
        assertEquals("Vault answered 400 logging in with Kubernetes role nope at auth/kubernetes: invalid role name "
                + "\"nope\"", refused.getMessage());
        AuthStatus status = manager.authStatus().orElseThrow();
        assertNull(status.token());
        assertEquals(1, status.logins().consecutiveFailures());
        assertEquals(Kind.AUTH_FAILED, status.logins().lastFailure().kind());
        assertEquals(refused.getMessage(), status.logins().lastFailure().message());
        assertNotNull(status.logins().retryAt());
        assertNoSecret(status, jwt);

        // Within the backoff a read fails at once with the same words, without asking Vault.
        SecretException again = assertThrows(SecretException.class, () -> manager.read(SSL));
        assertEquals(Kind.AUTH_FAILED, again.kind());
        assertTrue(again.getMessage().startsWith(refused.getMessage() + " (next attempt in "), again.getMessage());
        assertEquals(1, logins("kubernetes"));
        // After it, the next read tries again; two failures in a row double the wait.
        clock.advance(Duration.ofSeconds(1));
        assertThrows(SecretException.class, () -> manager.read(SSL));
        assertEquals(2, logins("kubernetes"));
        AuthStatus twice = manager.authStatus().orElseThrow();
        assertEquals(2, twice.logins().consecutiveFailures());
        assertTrue(Duration.between(clock.instant(), twice.logins().retryAt()).compareTo(Duration.ofMillis(1600)) >= 0);
    }

    /** Ten minutes of reads, one a second, with a role Vault refuses: the backoff keeps logins to a handful. */
    @Test
    void aWrongRole_underSteadyReads_costsAFewLogins_notOneARead() throws IOException {
        kubernetesVault();
        VaultSecretManager manager = kubernetesManager("nope",
                jwts.serviceAccountToken("edge", "gateway", "uid-1", "vault", Duration.ofHours(1)));
        for (int second = 0; second < 600; second++) {
            assertThrows(SecretException.class, () -> manager.read(SSL));
            manager.maintain();
            clock.advance(Duration.ofSeconds(1));
        }
        long logins = logins("kubernetes");
        // 1, 2, 4, ... 32 s, then a minute (less up to a fifth): 7 in the first 63 s, then one every 48-60 s.
        assertTrue(logins >= 14 && logins <= 20, "logins in 600 reads: " + logins);
        assertEquals(logins, manager.authStatus().orElseThrow().logins().attempts());
    }

    @Test
    void kubernetes_aServiceAccountOfAnotherNamespace_isRefusedSayingWhy() throws IOException {
        TokenReviewServer reviews = kubernetesVault();
        String jwt = jwts.serviceAccountToken("default", "gateway", "uid-1", "vault", Duration.ofHours(1));
        reviews.accept(jwt, "default", "gateway", "uid-1");
        VaultSecretManager manager = kubernetesManager("gateway", jwt);
        SecretException refused = assertThrows(SecretException.class, () -> manager.read(SSL));
        assertEquals(Kind.AUTH_FAILED, refused.kind());
        assertEquals("permission denied (403) logging in with Kubernetes role gateway at auth/kubernetes: namespace not "
                + "authorized", refused.getMessage());
        assertTrue(reviews.reviewed().isEmpty(), "refused before the API server was asked");
    }

    @Test
    void certificateLogin_toAnHttpVault_isRefusedWhenConfigured() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> VaultSettings
                .builder("http://127.0.0.1:8200").auth(new VaultAuth.Cert(null, VaultAuth.Source.file(Path.of("c.pem")),
                        VaultAuth.Source.file(Path.of("k.pem")), VaultAuth.AuthMount.of("cert"))).build());
        assertEquals("auth.method cert needs an https Vault address, not http://127.0.0.1:8200", e.getMessage());
    }

    @Test
    void jwt_rotatedFileIsSentAtTheNextLogin_andAnExpiredOneIsRefused() throws IOException {
        vault(null);
        http.enableAuth(ROOT, "jwt", "jwt");
        http.jwtRole(ROOT, "jwt", "gateway", jwts.publicKeyPem(), "vault", List.of("apisix-policy"), "60s");
        String first = jwts.jwt("gateway-1", "vault", Duration.ofMinutes(2));
        Path jwtFile = write("jwt", first);
        VaultSecretManager manager = manager(new VaultAuth.Jwt("gateway", jwtFile, VaultAuth.AuthMount.of("jwt")));
        assertEquals(FIELDS, manager.read(SSL).orElseThrow());
        assertEquals(1, logins("jwt"));

        // Past the token's TTL and the first JWT's life, the file holds a fresh JWT: the login uses it.
        clock.advance(Duration.ofMinutes(10));
        Files.writeString(jwtFile, jwts.jwt("gateway-1", "vault", Duration.ofMinutes(2)));
        assertEquals(FIELDS, manager.read(SSL).orElseThrow());
        assertEquals(2, logins("jwt"));

        // Nobody refreshed the file: the expired JWT is refused, and says so.
        clock.advance(Duration.ofMinutes(10));
        SecretException expired = assertThrows(SecretException.class, () -> manager.read(SSL));
        assertEquals(Kind.AUTH_FAILED, expired.kind());
        assertTrue(expired.getMessage().endsWith("invalid expiration time (exp) claim: token is expired"),
                expired.getMessage());
        assertEquals("jwt", manager.authStatus().orElseThrow().method());
    }

    @Test
    void cert_logsInOverTls_logsInAgainInsteadOfRenewing_withTheRotatedCertificate() throws IOException {
        SelfSignedTls tls = SelfSignedTls.create();
        vault(tls);
        ClientCertificates clients = new ClientCertificates("gateway clients");
        http.enableAuth(ROOT, "cert", "cert");
        http.certRole(ROOT, "cert", "gateway", clients.caPem(), List.of("apisix-policy"), "60s");
        ClientCertificates.Issued first = clients.issue("gateway-1");
        Path cert = write("client.crt", first.certificatePem());
        Path key = write("client.key", first.keyPem());
        VaultSecretManager manager = manager(VaultSettings.builder(server.address()).prefix("kv/apisix")
                .caPem(tls.certificatePem()).auth(new VaultAuth.Cert("gateway", VaultAuth.Source.file(cert),
                        VaultAuth.Source.file(key), VaultAuth.AuthMount.of("cert"))));
        assertEquals(FIELDS, manager.read(SSL).orElseThrow());
        assertEquals(List.of(first.serialNumber()), certLoginSerials());

        // Vault wants the certificate on a renewing connection too: the upkeep logs in again instead.
        ClientCertificates.Issued second = clients.issue("gateway-1");
        Files.writeString(cert, second.certificatePem());
        Files.writeString(key, second.keyPem());
        clock.advance(Duration.ofSeconds(41));
        manager.maintain();
        assertEquals(0, server.count("POST", "/v1/auth/token/renew-self"));
        assertEquals(2, logins("cert"));
        assertTrue(certLoginSerials().contains(second.serialNumber()), "the second login presented the new certificate");
        assertEquals(FIELDS, manager.read(SSL).orElseThrow());
        assertNoSecret(manager.authStatus().orElseThrow(), first.keyPem(), second.keyPem());
        assertEquals(Map.of("name", "gateway", "cert", cert.toString(), "key", key.toString(), "mount", "cert"),
                manager.authStatus().orElseThrow().settings());
    }

    /** The serial numbers of the certificates behind the live cert-login tokens, as Vault recorded them. */
    private List<String> certLoginSerials() {
        return http.accessors(ROOT).stream().map(a -> http.lookupAccessor(ROOT, a))
                .filter(t -> t.get("path").asText().equals("auth/cert/login"))
                .map(t -> t.get("meta").get("serial_number").asText()).toList();
    }

    @Test
    void cert_untrustedCertificate_isRefused() throws IOException {
        SelfSignedTls tls = SelfSignedTls.create();
        vault(tls);
        http.enableAuth(ROOT, "cert", "cert");
        http.certRole(ROOT, "cert", "gateway", new ClientCertificates("trusted").caPem(), List.of("apisix-policy"), "60s");
        ClientCertificates.Issued stranger = new ClientCertificates("stranger").issue("gateway-1");
        VaultSecretManager manager = manager(VaultSettings.builder(server.address()).prefix("kv/apisix")
                .caPem(tls.certificatePem()).auth(new VaultAuth.Cert(null, VaultAuth.Source.value(stranger.certificatePem()),
                        VaultAuth.Source.value(stranger.keyPem()), VaultAuth.AuthMount.of("cert"))));
        SecretException refused = assertThrows(SecretException.class, () -> manager.read(SSL));
        assertEquals(Kind.AUTH_FAILED, refused.kind());
        assertEquals("Vault answered 400 logging in with a certificate at auth/cert: invalid certificate or no client "
                + "certificate supplied", refused.getMessage());
        assertEquals(Map.of("cert", "inline", "key", "inline", "mount", "cert"),
                manager.authStatus().orElseThrow().settings());
    }

    /** Two secret objects whose certificate logins read their keys through each other: both fail, neither hangs. */
    @Test
    void credentialsReadThroughEachOther_failWithinTheTimeout() {
        SelfSignedTls tls = SelfSignedTls.create();
        vault(tls);
        SecretResolver resolver = SecretResolver.builder().clock(clock).backgroundRefresh(false).fetchThreads(8).build();
        LifeCycle.start(resolver);
        closeables.add(resolver);
        for (String[] pair : List.of(new String[]{"a", "b"}, new String[]{"b", "a"})) {
            resolver.register("vault", pair[0], VaultSecretManager.on(resolver, VaultSettings.builder(server.address())
                    .prefix("kv/apisix").caPem(tls.certificatePem()).timeout(Duration.ofSeconds(1))
                    .auth(new VaultAuth.Cert(null, VaultAuth.Source.value("$secret://vault/" + pair[1] + "/client/crt"),
                            VaultAuth.Source.value("$secret://vault/" + pair[1] + "/client/key"),
                            VaultAuth.AuthMount.of("cert"))).build()));
        }
        long start = System.nanoTime();
        SecretException e = assertThrows(SecretException.class,
                () -> resolver.resolve(SecretReference.parse("$secret://vault/a/ssl/test.com.crt")));
        assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofSeconds(5)) < 0, e::getMessage);
        assertEquals(0, logins("cert"), "no login was attempted without its credential");
    }

    @Test
    void tokenFile_isReadAgainWhenItChanges_andWhenVaultRefusesItsToken() throws IOException {
        vault(null);
        String first = http.createToken(ROOT, List.of("apisix-policy"), "1h");
        Path file = write("vault-token", first + "\n");
        VaultSecretManager manager = manager(new VaultAuth.TokenFile(file));
        assertEquals(FIELDS, manager.read(SSL).orElseThrow());
        assertEquals("token_file", manager.authStatus().orElseThrow().method());

        // The agent writes a new token: the upkeep takes it, so revoking the old one changes nothing.
        String second = http.createToken(ROOT, List.of("apisix-policy"), "1h");
        Files.writeString(file, second);
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(5)));
        manager.maintain();
        http.call("POST", "auth/token/revoke-self", first, null);
        server.clearRequests();
        assertEquals(FIELDS, manager.read(SSL).orElseThrow());
        assertEquals(0, server.requests().stream().filter(r -> r.status() == 403).count());

        // A new token written and the old one revoked before any upkeep: the refused read re-reads the file.
        String third = http.createToken(ROOT, List.of("apisix-policy"), "1h");
        Files.writeString(file, third);
        http.call("POST", "auth/token/revoke-self", second, null);
        assertEquals(FIELDS, manager.read(SSL).orElseThrow());
        AuthStatus status = manager.authStatus().orElseThrow();
        assertTrue(status.token().renewable(), "a renewable token in a file is renewed as a static one is");
        assertNoSecret(status, first, second, third);

        // Two thirds into its hour the upkeep renews it (harmless beside an agent, needed for a file written by hand).
        clock.advance(Duration.ofMinutes(41));
        manager.maintain();
        assertEquals(1, server.count("POST", "/v1/auth/token/renew-self"));
        assertEquals(FIELDS, manager.read(SSL).orElseThrow());
    }

    @Test
    void aRevokedStaticToken_showsInTheStatusAtOnce_withoutTheToken() {
        vault(null);
        String token = http.createToken(ROOT, List.of("apisix-policy"), "1h");
        VaultSecretManager manager = manager(VaultAuth.token(token));
        assertEquals(FIELDS, manager.read(SSL).orElseThrow());
        http.call("POST", "auth/token/revoke-self", token, null);

        assertEquals(Kind.INVALID_TOKEN, assertThrows(SecretException.class, () -> manager.read(SSL)).kind());
        AuthStatus status = manager.authStatus().orElseThrow();
        assertNull(status.token());
        assertEquals(Kind.INVALID_TOKEN, status.logins().lastFailure().kind());
        assertEquals(1, status.logins().consecutiveFailures());
        assertNoSecret(status, token);
    }

    @Test
    void concurrentReads_shareOneLogin() throws Exception {
        vault(null);
        http.enableAuth(ROOT, "jwt", "jwt");
        http.jwtRole(ROOT, "jwt", "gateway", jwts.publicKeyPem(), "vault", List.of("apisix-policy"), "60s");
        VaultSecretManager manager = manager(new VaultAuth.Jwt("gateway", write("jwt",
                jwts.jwt("gateway-1", "vault", Duration.ofMinutes(5))), VaultAuth.AuthMount.of("jwt")));
        server.injectLatency(Duration.ofMillis(200));
        ExecutorService threads = Executors.newFixedThreadPool(8);
        try {
            List<CompletableFuture<Map<String, String>>> reads = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                reads.add(CompletableFuture.supplyAsync(() -> manager.read(SSL).orElseThrow(), threads));
            }
            for (CompletableFuture<Map<String, String>> read : reads) {
                assertEquals(FIELDS, read.join());
            }
        } finally {
            threads.shutdownNow();
        }
        assertEquals(1, logins("jwt"));
    }

    @Test
    void permissionDenied_forAnOlderToken_logsInAgainToPickUpTheRolesNewPolicies() throws IOException {
        vault(null);
        http.enableAuth(ROOT, "jwt", "jwt");
        http.jwtRole(ROOT, "jwt", "gateway", jwts.publicKeyPem(), "vault", List.of("default"), "1h");
        VaultSecretManager manager = manager(new VaultAuth.Jwt("gateway", write("jwt",
                jwts.jwt("gateway-1", "vault", Duration.ofHours(2))), VaultAuth.AuthMount.of("jwt")));
        assertEquals(Kind.PERMISSION_DENIED, assertThrows(SecretException.class, () -> manager.read(SSL)).kind());
        assertEquals(Kind.PERMISSION_DENIED, assertThrows(SecretException.class, () -> manager.read(SSL)).kind());
        assertEquals(1, logins("jwt"), "a fresh token's 403 is the policy's answer: no login storm");

        http.jwtRole(ROOT, "jwt", "gateway", jwts.publicKeyPem(), "vault", List.of("apisix-policy"), "1h");
        clock.advance(VaultTokenSession.RELOGIN_AFTER_DENIAL);
        assertEquals(FIELDS, manager.read(SSL).orElseThrow());
        assertEquals(2, logins("jwt"));
        assertEquals(1, server.count("POST", "/v1/auth/token/revoke-self"), "the replaced token was revoked");
        assertEquals(1, http.accessors(ROOT).stream().filter(a -> http.lookupAccessor(ROOT, a).get("path").asText()
                .equals("auth/jwt/login")).count(), "one live token of the two logins");
    }
}
