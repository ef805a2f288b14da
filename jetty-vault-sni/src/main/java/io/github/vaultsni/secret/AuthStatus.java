package io.github.vaultsni.secret;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.Objects;

/**
 * How a secret object's source authenticates and how its token stands, for the secret object's status and the
 * meters: which method, with what (mount, role, files; never a secret), when the token expires, and how the logins
 * went. Holds no token.
 *
 * @param method   e.g. {@code token}, {@code token_file}, {@code approle}, {@code kubernetes}, {@code jwt}, {@code cert}
 * @param settings what the method uses, without secrets
 * @param token    the token in use; null when none is held (not obtained yet, or refused)
 * @param logins   the attempts to obtain a token (logins; for a static token its lookup, for a token file its reads)
 */
public record AuthStatus(String method, Map<String, String> settings, TokenState token, Logins logins) {
    public AuthStatus {
        Objects.requireNonNull(method, "method");
        settings = Map.copyOf(settings);
        Objects.requireNonNull(logins, "logins");
    }

    /**
     * As the gateway's {@code GET /apisix/admin/secrets/vault/{id}/status} and the certificates page show it:
     * {@code method}, {@code settings}, {@code token} ({@code obtained_at}, {@code expires_at}: seconds since the
     * epoch or null, {@code renewable}; null when none is held) and {@code logins} ({@code attempts},
     * {@code failures}, {@code consecutive_failures}, {@code last_failure}: {@code kind}, {@code message},
     * {@code at}, or null; {@code retry_at} or null).
     */
    public Map<String, Object> toMap() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("method", method);
        out.put("settings", new TreeMap<>(settings));
        Map<String, Object> tokenMap = null;
        if (token != null) {
            tokenMap = new LinkedHashMap<>();
            tokenMap.put("obtained_at", seconds(token.obtainedAt()));
            tokenMap.put("expires_at", seconds(token.expiresAt()));
            tokenMap.put("renewable", token.renewable());
        }
        out.put("token", tokenMap);
        Map<String, Object> loginMap = new LinkedHashMap<>();
        loginMap.put("attempts", logins.attempts());
        loginMap.put("failures", logins.failures());
        loginMap.put("consecutive_failures", logins.consecutiveFailures());
        Map<String, Object> failure = null;
        if (logins.lastFailure() != null) {
            failure = new LinkedHashMap<>();
            failure.put("kind", logins.lastFailure().kind().name().toLowerCase(Locale.ROOT));
            failure.put("message", logins.lastFailure().message());
            failure.put("at", seconds(logins.lastFailure().at()));
        }
        loginMap.put("last_failure", failure);
        loginMap.put("retry_at", seconds(logins.retryAt()));
        out.put("logins", loginMap);
        return Collections.unmodifiableMap(out);
    }

    private static Long seconds(Instant instant) {
        return instant == null ? null : instant.getEpochSecond();
    }

    /**
     * The token in use.
     *
     * @param obtainedAt when it was obtained (logged in, read or looked up) or last renewed
     * @param expiresAt  when it expires; null when it never does or Vault would not say
     * @param renewable  whether it is renewed from here before it expires
     */
    public record TokenState(Instant obtainedAt, Instant expiresAt, boolean renewable) {
    }

    /**
     * The attempts to obtain a token.
     *
     * @param attempts            how many were made
     * @param failures            how many of them failed
     * @param consecutiveFailures how many failed since the last success
     * @param lastFailure         the last failure, null when none
     * @param retryAt             after a failure, the earliest time of the next attempt (the backoff); else null
     */
    public record Logins(long attempts, long failures, int consecutiveFailures, Failure lastFailure, Instant retryAt) {
        public static final Logins NONE = new Logins(0, 0, 0, null, null);

        /** The same, with one more success. */
        public Logins succeeded() {
            return new Logins(attempts + 1, failures, 0, lastFailure, null);
        }

        /** The same, with one more failure, retried no earlier than {@code retryAt}. */
        public Logins failed(Failure failure, Instant retryAt) {
            return new Logins(attempts + 1, failures + 1, consecutiveFailures + 1, failure, retryAt);
        }
    }

    /** A failed attempt: what kind, Vault's words (never a secret), when. */
    public record Failure(SecretException.Kind kind, String message, Instant at) {
    }
}
