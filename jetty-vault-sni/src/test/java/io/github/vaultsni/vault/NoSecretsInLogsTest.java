package io.github.vaultsni.vault;

import io.github.vaultsni.metrics.VaultSniMetrics;
import io.github.vaultsni.secret.SecretCacheSettings;
import io.github.vaultsni.secret.SecretException;
import io.github.vaultsni.secret.SecretResolver;
import io.github.vaultsni.registry.SniEntrySpec;
import io.github.vaultsni.registry.SslObjectRegistry;
import io.github.vaultsni.runtime.VaultSniRuntime;
import io.github.vaultsni.testsupport.TestClock;
import io.github.vaultsni.vaulttest.VaultHttp;
import io.github.vaultsni.vaulttest.VaultTestServer;
import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Drives success and every failure path with recognisable secrets, then reads the test JVM's whole log
 * (slf4j-simple writes it to {@code target/test-log.txt}, at debug level): no token, secret_id or secret value
 * may appear in it, nor in any exception message, nor in a scrape of the metrics ({@link VaultSniMetrics}) of a
 * certificate registry reading those secrets.
 */
@Timeout(120)
class NoSecretsInLogsTest {
    private static final String MARK = "LEAKCHECK";

    @Test
    void failuresAndRenewals_logNoSecret() throws Exception {
        TestClock clock = new TestClock();
        String root = MARK + "-root-token";
        List<String> messages = new ArrayList<>();
        String scrape;
        try (VaultTestServer server = VaultTestServer.builder().rootToken(root).clock(clock).start()) {
            VaultHttp http = new VaultHttp(server.address());
            http.enableKv(root, "kv", 1);
            http.writePolicy(root, "ro", "path \"kv/apisix/*\" { capabilities = [\"read\"] }");
            http.putSecret(root, 1, "kv", "apisix/ssl", Map.of("crt", MARK + "-certificate", "key", MARK + "-private-key"));
            String token = http.createToken(root, List.of("ro"), "60s");
            String[] ids = http.appRole(root, "r", List.of("ro"), "60s");
            PrometheusRegistry prometheus = new PrometheusRegistry();
            VaultSniRuntime runtime = VaultSniRuntime.builder().clock(clock).secrets(secrets -> secrets.backgroundRefresh(false)
                    .cache(SecretCacheSettings.builder().ttl(Duration.ofSeconds(10)).build())).metrics(prometheus).build();
            try (runtime) {
                runtime.start();
                SecretResolver resolver = runtime.resolver();
                resolver.register("vault", "token", new VaultSecretManager(VaultSettings.builder(server.address())
                        .prefix("kv/apisix").auth(VaultAuth.token(token)).build(), clock, resolver::resolveValue));
                resolver.register("vault", "approle", new VaultSecretManager(VaultSettings.builder(server.address())
                        .prefix("kv/apisix").auth(VaultAuth.appRole(ids[0], ids[1])).build(), clock, resolver::resolveValue));
                resolver.register("vault", "bad-token", new VaultSecretManager(VaultSettings.builder(server.address())
                        .prefix("kv/apisix").auth(VaultAuth.token(MARK + "-wrong-token")).build(), clock, resolver::resolveValue));
                resolver.register("vault", "bad-secret-id", new VaultSecretManager(VaultSettings.builder(server.address())
                        .prefix("kv/apisix").auth(VaultAuth.appRole(ids[0], MARK + "-wrong-secret-id")).build(), clock,
                        resolver::resolveValue));
                for (String id : List.of("token", "approle", "bad-token", "bad-secret-id")) {
                    for (String ref : List.of("$secret://vault/" + id + "/ssl/crt", "$secret://vault/" + id + "/ssl/key",
                            "$secret://vault/" + id + "/ssl/missing", "$secret://vault/" + id + "/nope/key")) {
                        try {
                            resolver.resolveValue(ref);
                        } catch (SecretException e) {
                            messages.add(e.getMessage());
                        }
                    }
                }
                SslObjectRegistry registry = runtime.registry();
                {
                    for (String id : List.of("token", "approle", "bad-token", "bad-secret-id")) {
                        registry.put(SniEntrySpec.of(id, List.of(id + ".test"), "$secret://vault/" + id + "/ssl/crt",
                                "$secret://vault/" + id + "/ssl/key")).join();
                    }
                    ByteArrayOutputStream out = new ByteArrayOutputStream();
                    OpenMetricsTextFormatWriter.create().write(out, prometheus.scrape());
                    scrape = out.toString(StandardCharsets.UTF_8);
                }
                for (int i = 0; i < 5; i++) {
                    clock.advance(Duration.ofSeconds(45));
                    server.setReachable(i % 2 == 1);
                    resolver.refreshDue().join();
                }
                server.setReachable(true);
                server.seal();
                clock.advance(Duration.ofSeconds(61));
                resolver.refreshDue().join();
            }
        }
        String log = Files.readString(Path.of("target", "test-log.txt"));
        assertTrue(log.contains("permission denied (403, invalid token)"), "the log is where the test looks");
        assertTrue(log.contains("invalid role or secret ID"), "the log is where the test looks");
        assertFalse(messages.isEmpty());
        assertTrue(scrape.contains("vault_sni_certificate_state{ssl=\"bad-token\",state=\"failed\"} 1"), scrape);
        assertFalse(scrape.contains(MARK), () -> "secret in the metrics: " + scrape);
        for (String text : messages) {
            assertFalse(text.contains(MARK), text);
        }
        for (String line : log.split("\n")) {
            assertFalse(line.contains(MARK), () -> "secret in log line: " + line);
        }
    }
}
