package io.github.vaultsni.metrics;

import io.github.vaultsni.issuer.IssuanceListener;
import io.github.vaultsni.pem.CertifiedKey;
import io.github.vaultsni.secret.SecretObjectStatus;
import io.github.vaultsni.secret.SecretResolver;
import io.github.vaultsni.registry.SniEntryStatus;
import io.github.vaultsni.registry.SslObjectRegistry;
import io.github.vaultsni.sni.SniEntry;
import io.github.vaultsni.secret.AuthStatus;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.Collector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * The library's meters, registered in a {@link PrometheusRegistry} the caller owns (the gateway's, or the
 * {@code vault-sni} module's own port), for one certificate registry and its secret resolver. What is served and
 * stored is read when scraped; what happens (handshakes, Vault reads, cache answers) is counted where it happens,
 * through {@link io.github.vaultsni.sni.SniHandshakeListener} and {@link io.github.vaultsni.secret.SecretObserver}.
 *
 * <ul>
 *   <li>{@code vault_sni_certificate_not_after_seconds{ssl, sni}}: the served leaf's notAfter, seconds since the
 *       epoch (the earliest, for an entry with several key pairs);</li>
 *   <li>{@code vault_sni_certificate_state{ssl, state}}: 1 for the state the SSL object is in ({@code resolving},
 *       {@code active}, {@code renewing}, {@code failed}, {@code disabled}), 0 for the others;</li>
 *   <li>{@code vault_sni_handshakes_total{sni, result}}: full handshakes by the client's SNI and
 *       {@code served|unknown_name|protocol_refused|client_certificate_refused|client_certificate_revoked}; at most {@code maxSniLabels} names
 *       per result, the rest as {@code other}, none sent as {@code ""};</li>
 *   <li>{@code vault_sni_client_certificates_revoked_total{ssl}}: client certificates an SSL object refused as
 *       revoked by its revocation list;</li>
 *   <li>{@code vault_sni_keyless_signatures_total{outcome}}: signatures of keyless handshakes (keys kept in Vault
 *       Transit): {@code signed}, {@code failed} (Vault refused, failed or answered past the deadline) or
 *       {@code refused} (not asked of Vault: the in-flight bound or the breaker; their handshakes are refused);</li>
 *   <li>{@code vault_sni_certificate_issuances_total{ssl, outcome}}: certificates obtained for SSL objects with a
 *       Vault PKI issuer: {@code issued} (signed by Vault), {@code adopted} (a stored one served, from a restart or
 *       another node), {@code failed} (retried with backoff) or {@code refused} (a new name under a wildcard refused
 *       before Vault was asked: the object's {@code max_names} or {@code names_per_minute}, or Vault failing; its
 *       handshake is refused);</li>
 *   <li>{@code vault_sni_vault_reads_total{secret_object, outcome}} and
 *       {@code vault_sni_vault_read_duration_seconds{secret_object}}: reads from Vault by outcome ({@code ok},
 *       {@code not_found}, {@code unreachable}, {@code timeout}, {@code sealed}, {@code permission_denied}, ...);</li>
 *   <li>{@code vault_sni_vault_reachable{secret_object}}: 1 when the secret object's last read reached a Vault that
 *       answered, 0 after an unreachable, timed-out or sealed one (absent before its first read);</li>
 *   <li>{@code vault_sni_vault_logins_total{secret_object, method}} and
 *       {@code vault_sni_vault_login_failures_total{secret_object, method}}: attempts to obtain a token (logins; a
 *       static token's lookup, a token file's reads) and those that failed; {@code vault_sni_vault_authenticated}:
 *       1 while the secret object holds a token its last attempt obtained, 0 when it holds none or its last attempt
 *       failed (a wrong role, a revoked credential); {@code vault_sni_vault_token_expiry_seconds}: when its token
 *       expires, seconds since the epoch (absent when it never does or Vault would not say);</li>
 *   <li>{@code vault_sni_secret_cache_hits_total}, {@code vault_sni_secret_cache_stale_served_total},
 *       {@code vault_sni_secret_cache_refresh_failures_total{kind}}, and
 *       {@code vault_sni_secret_cache_oldest_stale_seconds}: how long the stalest value held has been past its
 *       TTL.</li>
 * </ul>
 */
public final class VaultSniMetrics implements AutoCloseable {
    /** Distinct SNI label values kept per handshake result before the rest count as {@code other}. */
    public static final int DEFAULT_MAX_SNI_LABELS = 100;
    private static final List<SniEntryStatus.State> STATES = List.of(SniEntryStatus.State.values());

    private final PrometheusRegistry prometheus;
    private final SslObjectRegistry registry;
    private final HandshakeMeter handshakes;
    private final SecretMeter secrets;
    private final IssuanceListener issuances;
    private final List<Collector> collectors;

    private VaultSniMetrics(PrometheusRegistry prometheus, SslObjectRegistry registry, int maxSniLabels) {
        this.prometheus = prometheus;
        this.registry = registry;
        SecretResolver resolver = registry.resolver();
        Counter handshakeCounter = Counter.builder().name("vault_sni_handshakes")
                .help("Full TLS handshakes by the SNI the client sent and how they ended").labelNames("sni", "result")
                .withoutExemplars().build();
        Counter reads = Counter.builder().name("vault_sni_vault_reads")
                .help("Reads from Vault by secret object and outcome").labelNames("secret_object", "outcome")
                .withoutExemplars().build();
        Histogram readDuration = Histogram.builder().name("vault_sni_vault_read_duration_seconds")
                .help("How long reads from Vault took, by secret object").labelNames("secret_object")
                .classicOnly().withoutExemplars().build();
        Counter hits = Counter.builder().name("vault_sni_secret_cache_hits")
                .help("Secret values answered from the cache while fresh").withoutExemplars().build();
        Counter stale = Counter.builder().name("vault_sni_secret_cache_stale_served")
                .help("Secret values answered past their TTL or kept through a failed refresh").withoutExemplars().build();
        Counter refreshFailures = Counter.builder().name("vault_sni_secret_cache_refresh_failures")
                .help("Failed refreshes of cached secret values, by kind").labelNames("kind").withoutExemplars().build();
        Counter issuanceCounter = Counter.builder().name("vault_sni_certificate_issuances")
                .help("Certificates obtained for SSL objects with a Vault PKI issuer, by outcome (issued, adopted, failed)")
                .labelNames("ssl", "outcome").withoutExemplars().build();
        this.issuances = (ssl, outcome) -> issuanceCounter.labelValues(ssl, outcome.name().toLowerCase(Locale.ROOT)).inc();
        this.handshakes = new HandshakeMeter(handshakeCounter, maxSniLabels);
        this.secrets = new SecretMeter(reads, readDuration, hits, stale, refreshFailures);
        this.collectors = List.of(handshakeCounter, issuanceCounter, reads, readDuration, hits, stale, refreshFailures,
                GaugeWithCallback.builder().name("vault_sni_certificate_not_after_seconds")
                        .help("The served leaf certificate's notAfter, seconds since the epoch, by SSL object and SNI")
                        .labelNames("ssl", "sni").callback(this::notAfter).build(),
                GaugeWithCallback.builder().name("vault_sni_certificate_state")
                        .help("1 for the state each SSL object is in (resolving, active, renewing, failed, disabled), else 0")
                        .labelNames("ssl", "state").callback(this::states).build(),
                GaugeWithCallback.builder().name("vault_sni_vault_reachable")
                        .help("1 when the secret object's last read reached a Vault that answered, else 0")
                        .labelNames("secret_object").callback(this::reachable).build(),
                CounterWithCallback.builder().name("vault_sni_client_certificates_revoked")
                        .help("Client certificates refused as revoked by their SSL object's revocation list")
                        .labelNames("ssl").callback(c -> registry.revokedClientCertificates()
                                .forEach((ssl, count) -> c.call(count, ssl))).build(),
                CounterWithCallback.builder().name("vault_sni_keyless_signatures")
                        .help("Signatures of keyless handshakes (keys kept in Vault Transit): signed, failed or refused")
                        .labelNames("outcome").callback(c -> {
                            c.call(registry.signings().signed(), "signed");
                            c.call(registry.signings().failed(), "failed");
                            c.call(registry.signings().refused(), "refused");
                        }).build(),
                CounterWithCallback.builder().name("vault_sni_vault_logins")
                        .help("Attempts to obtain a Vault token (logins, lookups, token file reads), by secret object")
                        .labelNames("secret_object", "method").callback(c -> auth(c::call, s -> s.logins().attempts())).build(),
                CounterWithCallback.builder().name("vault_sni_vault_login_failures")
                        .help("Failed attempts to obtain a Vault token, by secret object")
                        .labelNames("secret_object", "method").callback(c -> auth(c::call, s -> s.logins().failures())).build(),
                GaugeWithCallback.builder().name("vault_sni_vault_authenticated")
                        .help("1 while the secret object holds a token its last attempt obtained, else 0")
                        .labelNames("secret_object", "method").callback(c -> auth(c::call, s -> s.token() != null
                                && s.logins().consecutiveFailures() == 0 ? 1 : 0)).build(),
                GaugeWithCallback.builder().name("vault_sni_vault_token_expiry_seconds")
                        .help("When the secret object's Vault token expires, seconds since the epoch")
                        .labelNames("secret_object", "method").callback(this::tokenExpiry).build(),
                GaugeWithCallback.builder().name("vault_sni_secret_cache_oldest_stale_seconds")
                        .help("How long the stalest cached secret value has been past its TTL (0: all fresh)")
                        .callback(callback -> callback.call(resolver.oldestStaleAge().toMillis() / 1000.0)).build());
    }

    /**
     * Registers the meters in {@code prometheus} and starts counting the handshakes served from
     * {@code registry}'s certificates and the reads of its resolver.
     */
    public static VaultSniMetrics register(PrometheusRegistry prometheus, SslObjectRegistry registry) {
        return register(prometheus, registry, DEFAULT_MAX_SNI_LABELS);
    }

    /** As {@link #register(PrometheusRegistry, SslObjectRegistry)}, keeping {@code maxSniLabels} names per result. */
    public static VaultSniMetrics register(PrometheusRegistry prometheus, SslObjectRegistry registry, int maxSniLabels) {
        Objects.requireNonNull(prometheus, "prometheus");
        Objects.requireNonNull(registry, "registry");
        if (maxSniLabels < 1) {
            throw new IllegalArgumentException("maxSniLabels (" + maxSniLabels + ") must be at least 1");
        }
        VaultSniMetrics metrics = new VaultSniMetrics(prometheus, registry, maxSniLabels);
        metrics.collectors.forEach(prometheus::register);
        registry.certificates().addHandshakeListener(metrics.handshakes);
        registry.resolver().addObserver(metrics.secrets);
        registry.addIssuanceListener(metrics.issuances);
        return metrics;
    }

    private void notAfter(GaugeWithCallback.Callback callback) {
        for (SniEntry entry : registry.certificates().current().entries()) {
            long seconds = entry.keys().stream().map(CertifiedKey::notAfter).min(Instant::compareTo).orElseThrow().getEpochSecond();
            for (String sni : entry.snis()) {
                callback.call(seconds, entry.id(), sni);
            }
        }
    }

    private void states(GaugeWithCallback.Callback callback) {
        for (SniEntryStatus status : registry.status()) {
            for (SniEntryStatus.State state : STATES) {
                callback.call(status.state() == state ? 1 : 0, status.id(), state.name().toLowerCase(Locale.ROOT));
            }
        }
    }

    private void reachable(GaugeWithCallback.Callback callback) {
        for (SecretObjectStatus object : registry.resolver().secretObjects()) {
            if (object.lastRead() != null) {
                callback.call(object.reachable() ? 1 : 0, object.secretObject());
            }
        }
    }

    private void auth(DoubleLabelledCallback callback, ToDoubleFunction<AuthStatus> value) {
        for (SecretObjectStatus object : registry.resolver().secretObjects()) {
            if (object.auth() != null) {
                callback.call(value.applyAsDouble(object.auth()), object.secretObject(), object.auth().method());
            }
        }
    }

    private void tokenExpiry(GaugeWithCallback.Callback callback) {
        for (SecretObjectStatus object : registry.resolver().secretObjects()) {
            AuthStatus auth = object.auth();
            if (auth != null && auth.token() != null && auth.token().expiresAt() != null) {
                callback.call(auth.token().expiresAt().getEpochSecond(), object.secretObject(), auth.method());
            }
        }
    }

    /** A callback of a counter or a gauge, both called with a value and label values. */
    private interface DoubleLabelledCallback {
        void call(double value, String... labelValues);
    }

    /** Stops counting and takes the meters out of the registry. */
    @Override
    public void close() {
        registry.certificates().removeHandshakeListener(handshakes);
        registry.resolver().removeObserver(secrets);
        registry.removeIssuanceListener(issuances);
        collectors.forEach(prometheus::unregister);
    }
}
