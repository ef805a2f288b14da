package io.github.vaultsni.metrics;

import io.github.vaultsni.registry.SniEntrySpec;
import io.github.vaultsni.registry.SniEntryStatus;
import io.github.vaultsni.registry.SslObjectRegistry;
import io.github.vaultsni.runtime.VaultSniRuntime;
import io.github.vaultsni.secret.SecretResolver;
import io.github.vaultsni.sni.SniCertificates;
import io.github.vaultsni.sni.SniConnectors;
import io.github.vaultsni.sni.VaultSniSslContextFactory;
import io.github.vaultsni.vault.VaultAuth;
import io.github.vaultsni.vault.VaultSettings;
import io.github.vaultsni.testsupport.PrometheusText;
import io.github.vaultsni.testsupport.PrometheusText.Format;
import io.github.vaultsni.testsupport.PrometheusText.Sample;
import io.github.vaultsni.testsupport.TestClock;
import io.github.vaultsni.testsupport.TestPki;
import io.github.vaultsni.testsupport.TestPki.Issued;
import io.github.vaultsni.vaulttest.VaultHttp;
import io.github.vaultsni.vaulttest.VaultTestServer;
import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The library's meters moving with real events: TLS handshakes on a Jetty connector (served, unknown name, protocol
 * and client certificate refused), SSL objects read from the Vault test server (one expiring in 5 days), and a
 * Vault outage; every scrape read back by Prometheus' own text and OpenMetrics parsers.
 */
@Timeout(60)
class VaultSniMetricsTest {
    private static final String ROOT_TOKEN = "metrics-root";
    private static final String PREFIX = "$secret://vault/quickstart-secret-id/ssl/";
    private static Issued rootCa;

    private final TestClock clock = new TestClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    private VaultTestServer vault;
    private SecretResolver resolver;
    private VaultSniRuntime runtime;
    private SslObjectRegistry registry;
    private Server server;
    private ServerConnector connector;
    private final PrometheusRegistry prometheus = new PrometheusRegistry();
    private VaultSniMetrics metrics;

    @BeforeAll
    static void pki() {
        PrometheusText.assumeParser();
        rootCa = TestPki.rootCa("ROOTCA", "EC");
    }

    @BeforeEach
    void start() throws Exception {
        vault = VaultTestServer.builder().rootToken(ROOT_TOKEN).clock(clock).start();
        VaultHttp http = new VaultHttp(vault.address());
        http.enableKv(ROOT_TOKEN, "kv", 1);
        Issued soon = rootCa.leaf("EC", clock.instant().minus(Duration.ofDays(1)), clock.instant().plus(Duration.ofDays(5)),
                "soon.test.com");
        Issued later = rootCa.leaf("EC", "test.com", "tls12.test.com", "mtls.test.com");
        http.putSecret(ROOT_TOKEN, 1, "kv", "apisix/ssl", Map.of("soon.crt", soon.certificatePem(),
                "soon.key", soon.traditionalPrivateKeyPem(), "test.com.crt", later.certificatePem(),
                "test.com.key", later.traditionalPrivateKeyPem(), "ca.crt", rootCa.certificatePem()));
        SniCertificates certificates = new SniCertificates();
        runtime = VaultSniRuntime.builder().clock(clock).secrets(secrets -> secrets.backgroundRefresh(false))
                .registry(settings -> settings.certificates(certificates))
                .vault("quickstart-secret-id", VaultSettings.builder(vault.address()).prefix("kv/apisix")
                        .auth(VaultAuth.token(ROOT_TOKEN)).timeout(Duration.ofSeconds(2)).build()).build();
        runtime.start();
        resolver = runtime.resolver();
        registry = runtime.registry();
        metrics = VaultSniMetrics.register(prometheus, registry, 2);
        server = new Server();
        connector = SniConnectors.https(server, new VaultSniSslContextFactory(certificates), new HttpConfiguration(),
                "127.0.0.1", 0);
        server.addConnector(connector);
        server.start();
        put(SniEntrySpec.of("soon", List.of("soon.test.com"), PREFIX + "soon.crt", PREFIX + "soon.key"));
        put(SniEntrySpec.of("main", List.of("test.com"), PREFIX + "test.com.crt", PREFIX + "test.com.key"));
        put(SniEntrySpec.builder("tls12").snis(List.of("tls12.test.com"))
                .certificate(PREFIX + "test.com.crt", PREFIX + "test.com.key").protocols(Set.of("TLSv1.2")).build());
        put(SniEntrySpec.builder("mtls").snis(List.of("mtls.test.com"))
                .certificate(PREFIX + "test.com.crt", PREFIX + "test.com.key")
                .clientCertificates(PREFIX + "ca.crt", 1, List.of()).build());
        put(SniEntrySpec.of("broken", List.of("broken.test.com"), PREFIX + "missing.crt", PREFIX + "soon.key"));
    }

    private void put(SniEntrySpec spec) throws Exception {
        registry.put(spec).get(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() throws Exception {
        metrics.close();
        server.stop();
        runtime.stop();
        vault.close();
    }

    @Test
    void certificates_expiryAndState_perSslObject() {
        List<Sample> scrape = scrape(Format.TEXT);
        long soon = clock.instant().plus(Duration.ofDays(5)).getEpochSecond();
        assertEquals(soon, PrometheusText.value(scrape, "vault_sni_certificate_not_after_seconds",
                Map.of("ssl", "soon", "sni", "soon.test.com")));
        assertTrue(PrometheusText.value(scrape, "vault_sni_certificate_not_after_seconds",
                Map.of("ssl", "main", "sni", "test.com")) > soon);
        // "expiring within 7 days" is one query: not_after - time() < 7 days
        assertEquals(List.of("soon"), scrape.stream().filter(s -> s.name().equals("vault_sni_certificate_not_after_seconds")
                && s.value() - clock.instant().getEpochSecond() < Duration.ofDays(7).toSeconds())
                .map(s -> s.labels().get("ssl")).toList());
        assertEquals(1, PrometheusText.value(scrape, "vault_sni_certificate_state", Map.of("ssl", "broken", "state", "failed")));
        assertEquals(0, PrometheusText.value(scrape, "vault_sni_certificate_state", Map.of("ssl", "broken", "state", "active")));
        assertEquals(1, PrometheusText.value(scrape, "vault_sni_certificate_state", Map.of("ssl", "soon", "state", "active")));
        assertFalse(PrometheusText.has(scrape, "vault_sni_certificate_not_after_seconds", Map.of("ssl", "broken")),
                "a failed object serves no certificate");
    }

    @Test
    void handshakes_countedBySniAndResult_namesBoundedPerResult() throws Exception {
        SSLContext trusting = TestPki.clientContext(rootCa, null);
        handshake(trusting, "test.com", "TLSv1.3");
        handshake(trusting, "test.com", "TLSv1.3");
        assertThrows(SSLException.class, () -> handshake(trusting, "nope.test.com", "TLSv1.3"));
        assertThrows(SSLException.class, () -> handshake(trusting, "tls12.test.com", "TLSv1.3"));
        // TLS 1.3: the client has finished its handshake when the server closes for want of its certificate
        assertThrows(IOException.class, () -> handshake(trusting, "mtls.test.com", "TLSv1.3"));
        assertThrows(SSLException.class, () -> handshake(trusting, "nope2.test.com", "TLSv1.3"));
        assertThrows(SSLException.class, () -> handshake(trusting, "nope3.test.com", "TLSv1.3"));
        assertThrows(SSLException.class, () -> handshake(trusting, null, "TLSv1.3"));
        for (Format format : Format.values()) {
            List<Sample> scrape = scrape(format);
            assertEquals(2, handshakes(scrape, "test.com", "served"), format::name);
            assertEquals(1, handshakes(scrape, "nope.test.com", "unknown_name"));
            assertEquals(1, handshakes(scrape, "nope2.test.com", "unknown_name"));
            assertEquals(1, handshakes(scrape, "other", "unknown_name"), "past 2 names a result counts the rest as other");
            assertEquals(1, handshakes(scrape, "", "unknown_name"), "no SNI sent");
            assertEquals(1, handshakes(scrape, "tls12.test.com", "protocol_refused"));
            assertEquals(1, handshakes(scrape, "mtls.test.com", "client_certificate_refused"));
            assertFalse(PrometheusText.has(scrape, "vault_sni_handshakes_total", Map.of("sni", "nope3.test.com")));
        }
    }

    @Test
    void vaultOutage_readsFailRefreshesFail_staleValuesServed_reachableDrops() throws Exception {
        List<Sample> before = scrape(Format.OPENMETRICS);
        assertEquals(1, PrometheusText.value(before, "vault_sni_vault_reachable", Map.of("secret_object", "vault/quickstart-secret-id")));
        double okReads = PrometheusText.value(before, "vault_sni_vault_reads_total",
                Map.of("secret_object", "vault/quickstart-secret-id", "outcome", "ok"));
        assertTrue(okReads >= 1, "the SSL objects were read from Vault");
        assertEquals(okReads, PrometheusText.value(before, "vault_sni_vault_read_duration_seconds_count",
                Map.of("secret_object", "vault/quickstart-secret-id")));
        assertEquals(0, PrometheusText.value(before, "vault_sni_secret_cache_oldest_stale_seconds", Map.of()));

        vault.setReachable(false);
        clock.advance(Duration.ofSeconds(301));
        resolver.refreshDue().join();
        clock.advance(Duration.ofSeconds(30));
        assertEquals(rootCa.certificatePem(), resolver.resolveValue(PREFIX + "ca.crt"), "served from the cache meanwhile");

        List<Sample> during = scrape(Format.TEXT);
        assertEquals(0, PrometheusText.value(during, "vault_sni_vault_reachable", Map.of("secret_object", "vault/quickstart-secret-id")));
        assertEquals(1, PrometheusText.value(during, "vault_sni_vault_reads_total",
                Map.of("secret_object", "vault/quickstart-secret-id", "outcome", "unreachable")));
        assertEquals(1, PrometheusText.value(during, "vault_sni_secret_cache_refresh_failures_total", Map.of("kind", "unreachable")));
        assertTrue(PrometheusText.value(during, "vault_sni_secret_cache_stale_served_total", Map.of()) >= 1);
        assertEquals(31, PrometheusText.value(during, "vault_sni_secret_cache_oldest_stale_seconds", Map.of()),
                "past its TTL since 31 s");
        assertTrue(PrometheusText.value(during, "vault_sni_secret_cache_hits_total", Map.of()) >= 0);

        vault.setReachable(true);
        clock.advance(Duration.ofSeconds(61));
        resolver.refreshDue().join();
        List<Sample> after = scrape(Format.TEXT);
        assertEquals(1, PrometheusText.value(after, "vault_sni_vault_reachable", Map.of("secret_object", "vault/quickstart-secret-id")));
        assertEquals(0, PrometheusText.value(after, "vault_sni_secret_cache_oldest_stale_seconds", Map.of()));
        assertEquals(SniEntryStatus.State.ACTIVE, registry.status("main").orElseThrow().state());
    }

    @Test
    void close_takesTheMetersOut() throws Exception {
        metrics.close();
        assertTrue(prometheus.scrape().stream().noneMatch(m -> m.getMetadata().getName().startsWith("vault_sni")));
        metrics = VaultSniMetrics.register(prometheus, registry);
        handshake(TestPki.clientContext(rootCa, null), "test.com", "TLSv1.3");
        assertEquals(1, handshakes(scrape(Format.TEXT), "test.com", "served"), "registered again, counting from 0");
    }

    private double handshakes(List<Sample> scrape, String sni, String result) {
        return PrometheusText.value(scrape, "vault_sni_handshakes_total", Map.of("sni", sni, "result", result));
    }

    private List<Sample> scrape(Format format) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (format == Format.TEXT) {
                PrometheusTextFormatWriter.create().write(out, prometheus.scrape());
            } else {
                OpenMetricsTextFormatWriter.create().write(out, prometheus.scrape());
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        String text = out.toString(StandardCharsets.UTF_8);
        assertFalse(text.contains("PRIVATE KEY") || text.contains(ROOT_TOKEN), "no secret in the scrape");
        return PrometheusText.parse(text, format);
    }

    /** A full TLS handshake and one HTTP/1.1 request; throws what the handshake (or the closed connection) throws. */
    private void handshake(SSLContext context, String sni, String protocol) throws IOException {
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", connector.getLocalPort())) {
            socket.setSoTimeout(10_000);
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setServerNames(sni == null ? List.of() : List.of(new SNIHostName(sni)));
            parameters.setProtocols(new String[]{protocol});
            socket.setSSLParameters(parameters);
            try {
                socket.startHandshake();
                socket.getOutputStream().write(("GET / HTTP/1.1\r\nHost: " + sni + "\r\nConnection: close\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                if (socket.getInputStream().readAllBytes().length == 0) {
                    throw new IOException("closed without an answer");
                }
            } finally {
                // Each call a full handshake: the JDK client caches sessions by address, not by SNI.
                socket.getSession().invalidate();
            }
        }
    }
}
