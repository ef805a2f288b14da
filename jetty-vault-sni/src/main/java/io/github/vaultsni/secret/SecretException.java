package io.github.vaultsni.secret;

import java.util.Objects;

/**
 * A secret could not be read. The message names the reference or path and the cause, never a token, a
 * secret_id or a secret value; {@link #kind()} says what happened, for callers that react differently to an
 * outage (keep the last good value) and to a definite answer (stop serving).
 */
public class SecretException extends RuntimeException {

    /** What went wrong. */
    public enum Kind {
        /** The reference text is not a valid reference. */
        MALFORMED_REFERENCE,
        /** No secret manager of that type ({@code $secret://nosuch/...}). */
        NO_SUCH_MANAGER,
        /** No secret object with that id. */
        NO_SUCH_SECRET_OBJECT,
        /** Nothing stored at the path. */
        NOT_FOUND,
        /** The secret exists but lacks the field. */
        MISSING_FIELD,
        /** The token may not read the path (403). */
        PERMISSION_DENIED,
        /** Vault no longer knows the token (403 "invalid token": expired or revoked); a new login may help. */
        INVALID_TOKEN,
        /** Logging in or renewing the token failed. */
        AUTH_FAILED,
        /** The secret manager could not be reached (connection refused, reset, DNS). */
        UNREACHABLE,
        /** The secret manager did not answer within the configured timeout. */
        TIMEOUT,
        /** Vault answered 503: sealed. */
        SEALED,
        /** Any other unexpected answer. */
        BAD_RESPONSE;

        /** Whether the source could not be reached or could not answer at all: unreachable, timed out or sealed. */
        public boolean isOutage() {
            return this == UNREACHABLE || this == TIMEOUT || this == SEALED;
        }

        /** Whether this is an outage, after which the last good value should keep being served. */
        public boolean isTransient() {
            return this == UNREACHABLE || this == TIMEOUT || this == SEALED || this == BAD_RESPONSE
                    || this == AUTH_FAILED || this == PERMISSION_DENIED || this == INVALID_TOKEN;
        }
    }

    private final Kind kind;

    public SecretException(Kind kind, String message) {
        super(message, null, false, false);
        this.kind = Objects.requireNonNull(kind);
    }

    public Kind kind() {
        return kind;
    }

    /** The same failure, its message prefixed with the reference it was resolving. */
    SecretException forReference(SecretReference reference) {
        return new SecretException(kind, "failed to resolve secret reference " + reference + ": " + getMessage());
    }
}
