package io.github.vaultsni.boot;

import io.github.vaultsni.issuer.IssuedCertificateStore;
import io.github.vaultsni.pem.Pem;
import io.github.vaultsni.registry.SniEntryStatus;
import io.github.vaultsni.registry.SslObjectRegistry;
import io.github.vaultsni.secret.AuthStatus;
import io.github.vaultsni.secret.SecretResolver;
import io.github.vaultsni.testsupport.TestPki.Issued;
import io.github.vaultsni.testsupport.TestPki;
import io.github.vaultsni.vaulttest.TestJwts;
import io.github.vaultsni.vaulttest.VaultHttp;
import io.github.vaultsni.vaulttest.VaultTestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cloud.context.environment.EnvironmentChangeEvent;
import org.springframework.cloud.vault.config.VaultAutoConfiguration;
import org.springframework.core.env.MapPropertySource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The auto-configuration in an application context: off without {@code vault-sni.*}, certificates from inline PEM
 * and from the Vault test server (its address from {@code vault-sni.vault.*} or from Spring Cloud Vault), refused
 * settings, and a refreshed list applied.
 */
@Timeout(60)
class VaultSniAutoConfigurationTest {
    private static final String ROOT_TOKEN = "boot-root";
    private static Issued root;
    private static Issued testCom;
    private static Issued exampleOrg;
    private static VaultTestServer vault;
    private static String token;
    private static X509Certificate vaultCa;
    private static String pkiToken;

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(VaultSniAutoConfiguration.class));

    @BeforeAll
    static void vault() {
        root = TestPki.rootCa("ROOTCA", "EC");
        testCom = root.leaf("EC", "test.com");
        exampleOrg = root.leaf("EC", "example.org");
        vault = VaultTestServer.builder().rootToken(ROOT_TOKEN).start();
        VaultHttp http = new VaultHttp(vault.address());
        http.enableKv(ROOT_TOKEN, "kv", 1);
        http.writePolicy(ROOT_TOKEN, "certificates", "path \"kv/apisix/*\" { capabilities = [\"read\"] }");
        http.putSecret(ROOT_TOKEN, 1, "kv", "apisix/ssl", Map.of("test.com.crt", testCom.certificatePem(),
                "test.com.key", testCom.privateKeyPem()));
        token = http.createToken(ROOT_TOKEN, List.of("certificates"), null);
        vaultCa = Pem.decodeCertificates("pki/cert/ca", http.enablePki(ROOT_TOKEN, "pki")).get(0);
        http.expect(200, "POST", "pki/roles/boot", ROOT_TOKEN, Map.of("allowed_domains", List.of("internal.test"),
                "allow_subdomains", true, "key_type", "ec", "max_ttl", "720h"));
        http.writePolicy(ROOT_TOKEN, "boot-pki", "path \"pki/sign/boot\" { capabilities = [\"update\"] }");
        pkiToken = http.createToken(ROOT_TOKEN, List.of("boot-pki"), null);
    }

    @AfterAll
    static void stopVault() {
        vault.close();
    }

    /** test.com from Vault, read through the secret object vault/vault-sni below kv/apisix. */
    private static final String[] VAULT_REFERENCES = {"vault-sni.vault.prefix=kv/apisix",
            "vault-sni.certificates[0].id=test.com", "vault-sni.certificates[0].snis[0]=test.com",
            "vault-sni.certificates[0].cert=$secret://vault/vault-sni/ssl/test.com.crt",
            "vault-sni.certificates[0].key=$secret://vault/vault-sni/ssl/test.com.key"};

    /** Spring Cloud Vault's auto-configuration too, with the test server's address and a token. */
    private static ApplicationContextRunner withSpringCloudVault() {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(VaultAutoConfiguration.class, VaultSniAutoConfiguration.class))
                .withPropertyValues(VAULT_REFERENCES)
                .withPropertyValues("spring.cloud.vault.uri=" + vault.address(), "spring.cloud.vault.token=" + token);
    }

    /** Properties as a source of their own: PEM values hold characters a "key=value" pair would split at. */
    private static ApplicationContextRunner with(ApplicationContextRunner runner, Map<String, Object> properties) {
        return runner.withInitializer(context -> context.getEnvironment().getPropertySources()
                .addFirst(new MapPropertySource("pem", properties)));
    }

    private static Map<String, Object> inline(String id, Issued leaf, String sni) {
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("vault-sni.certificates[0].id", id);
        properties.put("vault-sni.certificates[0].snis[0]", sni);
        properties.put("vault-sni.certificates[0].cert", leaf.certificatePem());
        properties.put("vault-sni.certificates[0].key", leaf.privateKeyPem());
        return properties;
    }

    private static SniEntryStatus.State state(SslObjectRegistry registry, String id) {
        return registry.status(id).map(SniEntryStatus::state).orElse(null);
    }

    @Test
    void withoutVaultSniProperties_nothingIsConfigured() {
        runner.run(context -> assertThat(context).doesNotHaveBean(SslObjectRegistry.class)
                .doesNotHaveBean(SecretResolver.class));
    }

    @Test
    void enabledFalse_turnsItOff_whateverElseIsSet() {
        with(runner, inline("test.com", testCom, "test.com")).withPropertyValues("vault-sni.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean(SslObjectRegistry.class));
    }

    @Test
    void inlinePem_isServed_beforeTheContextIsReady() {
        with(runner, inline("test.com", testCom, "test.com")).withPropertyValues("vault-sni.default-entry=test.com")
                .run(context -> {
                    SslObjectRegistry registry = context.getBean(SslObjectRegistry.class);
                    assertThat(state(registry, "test.com")).isEqualTo(SniEntryStatus.State.ACTIVE);
                    assertThat(registry.certificates().current().lookup("test.com").id()).isEqualTo("test.com");
                    assertThat(registry.certificates().current().lookup(null).id()).as("default entry").isEqualTo("test.com");
                });
    }

    @Test
    void references_resolveThroughVault_fromVaultSniVaultProperties() {
        runner.withPropertyValues(VAULT_REFERENCES).withPropertyValues("vault-sni.vault.uri=" + vault.address(),
                        "vault-sni.vault.token=" + token)
                .run(context -> assertThat(state(context.getBean(SslObjectRegistry.class), "test.com"))
                        .isEqualTo(SniEntryStatus.State.ACTIVE));
    }

    /** vault-sni.vault.auth.* logs in with a JWT file, the library's one mapping, and its status says so. */
    @Test
    void aJwtLogin_fromVaultSniVaultAuthProperties(@TempDir Path dir) throws Exception {
        TestJwts jwts = new TestJwts();
        VaultHttp http = new VaultHttp(vault.address());
        http.enableAuth(ROOT_TOKEN, "jwt-boot", "jwt");
        http.jwtRole(ROOT_TOKEN, "jwt-boot", "boot", jwts.publicKeyPem(), "vault", List.of("certificates"), "10m");
        Path jwtFile = Files.writeString(dir.resolve("vault.jwt"), jwts.jwt("boot-app", "vault", Duration.ofMinutes(10)));
        runner.withPropertyValues(VAULT_REFERENCES).withPropertyValues("vault-sni.vault.uri=" + vault.address(),
                        "vault-sni.vault.auth.method=jwt", "vault-sni.vault.auth.role=boot",
                        "vault-sni.vault.auth.mount=jwt-boot", "vault-sni.vault.auth.jwt-file=" + jwtFile)
                .run(context -> {
                    assertThat(state(context.getBean(SslObjectRegistry.class), "test.com"))
                            .isEqualTo(SniEntryStatus.State.ACTIVE);
                    AuthStatus auth = context.getBean(SecretResolver.class).secretObjects().get(0).auth();
                    assertThat(auth.method()).isEqualTo("jwt");
                    assertThat(auth.token().expiresAt()).isNotNull();
                    assertThat(vault.count("POST", "/v1/auth/jwt-boot/login")).isEqualTo(1);
                });
    }

    @Test
    void springCloudVaultsAddressAndToken_areUsed_whereVaultSniVaultSaysNothing() {
        withSpringCloudVault()
                .run(context -> {
                    assertThat(context).hasSingleBean(VaultConnectionDefaults.class);
                    assertThat(state(context.getBean(SslObjectRegistry.class), "test.com"))
                            .isEqualTo(SniEntryStatus.State.ACTIVE);
                });
    }

    @Test
    void vaultSnisToken_winsOverSpringCloudVaults() {
        withSpringCloudVault().withPropertyValues("vault-sni.vault.token=not-a-token")
                .run(context -> {
                    SniEntryStatus status = context.getBean(SslObjectRegistry.class).status("test.com").orElseThrow();
                    assertThat(status.state()).isEqualTo(SniEntryStatus.State.FAILED);
                    assertThat(status.error()).contains("$secret://vault/vault-sni/ssl/test.com.").doesNotContain("not-a-token");
                });
    }

    @Test
    void anIssuer_isIssuedByVaultPki_keptInTheApplicationsStore_whenItHasOne() {
        runner.withPropertyValues("vault-sni.vault.uri=" + vault.address(), "vault-sni.vault.token=" + pkiToken,
                        "vault-sni.certificates[0].id=internal", "vault-sni.certificates[0].snis[0]=api.internal.test",
                        "vault-sni.certificates[0].issuer.vault-pki.role=boot",
                        "vault-sni.certificates[0].issuer.vault-pki.ttl=1h")
                .withBean(IssuedCertificateStore.class, IssuedCertificateStore::inMemory)
                .run(context -> {
                    SslObjectRegistry registry = context.getBean(SslObjectRegistry.class);
                    SniEntryStatus status = registry.status("internal").orElseThrow();
                    assertThat(status.state()).as("issued before the context is ready").isEqualTo(SniEntryStatus.State.ACTIVE);
                    X509Certificate leaf = registry.certificates().current().lookup("api.internal.test").keys().get(0).leaf();
                    leaf.verify(vaultCa.getPublicKey());
                    assertThat(status.issued()).singleElement().satisfies(issued -> {
                        assertThat(issued.names()).containsExactly("api.internal.test");
                        assertThat(issued.notAfter()).isEqualTo(leaf.getNotAfter().toInstant());
                    });
                    assertThat(context.getBean(IssuedCertificateStore.class)
                            .load("internal", IssuedCertificateStore.EXACT_NAMES).orElseThrow().serial())
                            .isEqualTo(status.issued().get(0).serial());
                    assertThat(vault.count("POST", "/v1/pki/sign/boot")).isPositive();
                });
    }

    @Test
    void aCertificateWithoutId_failsStartUp_namingTheProperty() {
        runner.withPropertyValues("vault-sni.certificates[0].snis[0]=test.com", "vault-sni.certificates[0].cert=x",
                "vault-sni.certificates[0].key=y").run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure()).rootCause()
                            .hasMessage("vault-sni.certificates[0].id is required");
                });
    }

    @Test
    void aRefreshedEnvironment_appliesTheNewList_andLeavesTheRestAlone() {
        Map<String, Object> properties = inline("test.com", testCom, "test.com");
        with(runner, properties).run(context -> {
            SslObjectRegistry registry = context.getBean(SslObjectRegistry.class);
            long generation = registry.entry("test.com").orElseThrow().generation();
            properties.put("vault-sni.certificates[1].id", "example.org");
            properties.put("vault-sni.certificates[1].snis[0]", "example.org");
            properties.put("vault-sni.certificates[1].cert", exampleOrg.certificatePem());
            properties.put("vault-sni.certificates[1].key", exampleOrg.privateKeyPem());
            context.publishEvent(new EnvironmentChangeEvent(context, Set.of("vault-sni.certificates[1].id")));
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> state(registry, "example.org") == SniEntryStatus.State.ACTIVE);
            assertThat(registry.entry("test.com").orElseThrow().generation()).as("not rebuilt").isEqualTo(generation);

            properties.put("vault-sni.certificates[1].cert", "not PEM");
            context.publishEvent(new EnvironmentChangeEvent(context, Set.of("vault-sni.certificates[1].cert")));
            assertThat(registry.spec("example.org").orElseThrow().cert()).as("a list with bad PEM is not applied")
                    .isEqualTo(exampleOrg.certificatePem());
            assertThat(state(registry, "example.org")).isEqualTo(SniEntryStatus.State.ACTIVE);
        });
    }

    @Test
    void aRefreshedListThatIsNotUsable_changesNothing() {
        Map<String, Object> properties = inline("test.com", testCom, "test.com");
        with(runner, properties).run(context -> {
            SslObjectRegistry registry = context.getBean(SslObjectRegistry.class);
            properties.remove("vault-sni.certificates[0].id");
            context.publishEvent(new EnvironmentChangeEvent(context, Set.of("vault-sni.certificates[0].id")));
            assertThat(state(registry, "test.com")).isEqualTo(SniEntryStatus.State.ACTIVE);
            assertThat(registry.status()).hasSize(1);
        });
    }
}
