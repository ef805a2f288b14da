package io.github.vaultsni.secret;

import java.time.Instant;

/**
 * How a registered secret object's source answered its last read, for operators and metrics
 * ({@link SecretResolver#secretObjects()}): whether its Vault is reachable. Holds no secret.
 *
 * @param secretObject {@code vault/<id>}
 * @param lastRead     when its last read ended; null when it has not been read yet
 * @param lastFailure  what that read failed with; null when it answered with the fields ({@code NOT_FOUND} is an
 *                     answer too)
 * @param auth         how its source authenticates and how its token stands; null when it has no token
 */
public record SecretObjectStatus(String secretObject, Instant lastRead, SecretException.Kind lastFailure,
                                 AuthStatus auth) {

    /** The same, with how its source authenticates now. */
    SecretObjectStatus withAuth(AuthStatus auth) {
        return new SecretObjectStatus(secretObject, lastRead, lastFailure, auth);
    }

    /** Whether the last read reached a source that could answer: false after an unreachable, timed-out or sealed read. */
    public boolean reachable() {
        return lastRead != null && (lastFailure == null || !lastFailure.isOutage());
    }
}
