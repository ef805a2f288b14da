package io.github.vaultsni.secret;

import java.time.Instant;
import java.util.Map;
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
