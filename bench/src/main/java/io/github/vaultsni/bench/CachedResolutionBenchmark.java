package io.github.vaultsni.bench;

import io.github.vaultsni.secret.SecretReference;
import io.github.vaultsni.secret.SecretResolver;
import io.github.vaultsni.vault.VaultAuth;
import io.github.vaultsni.vault.VaultSecretManager;
import io.github.vaultsni.vault.VaultSettings;
import io.github.vaultsni.vaulttest.VaultTestServer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.concurrent.TimeUnit;

/**
 * The cost of resolving a {@code $secret://} reference whose secret is cached and fresh: what every caller pays
 * once Vault has answered. The Vault behind it is the in-process test server, laid out as the walk-through.
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar CachedResolution}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CachedResolutionBenchmark {
    private VaultTestServer vault;
    private SecretResolver resolver;
    private SecretReference certificate;
    private String referenceText;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        vault = VaultTestServer.builder().rootToken("bench-root").start();
        put("sys/mounts/kv", "{\"type\":\"kv\",\"options\":{\"version\":\"1\"}}");
        put("kv/apisix/ssl", "{\"test.com.crt\":\"-----BEGIN CERTIFICATE-----\",\"test.com.key\":\"k\"}");
        resolver = SecretResolver.builder().build();
        resolver.start();
        resolver.register("vault", "quickstart-secret-id", new VaultSecretManager(
                VaultSettings.builder(vault.address()).prefix("kv/apisix").auth(VaultAuth.token("bench-root")).build(),
                Clock.systemUTC(), resolver::resolveValue));
        referenceText = "$secret://vault/quickstart-secret-id/ssl/test.com.crt";
        certificate = SecretReference.parse(referenceText);
        resolver.resolve(certificate);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        resolver.close();
        vault.close();
    }

    /** A parsed reference, as certificate entries hold them. */
    @Benchmark
    public String resolveParsedReference() {
        return resolver.resolve(certificate);
    }

    /** The reference as text, parsed on every call (configuration values). */
    @Benchmark
    public String resolveReferenceText() {
        return resolver.resolveValue(referenceText);
    }

    private void put(String path, String json) throws IOException, InterruptedException {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(vault.address() + "/v1/" + path)).header("X-Vault-Token", "bench-root")
                .PUT(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 204) {
            throw new IllegalStateException(path + ": " + response.statusCode() + " " + response.body());
        }
    }
}
