package io.github.vaultsni.secret;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

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

    /**
     * As the gateway's {@code GET /apisix/admin/secrets/vault/{id}/status} and the certificates page show it:
     * {@code id}, {@code last_read} (seconds since the epoch, or null), {@code last_failure} (its kind, lower case,
     * or null), {@code reachable} (null before the first read), {@code auth} ({@link AuthStatus#toMap()}, or null).
     */
    public Map<String, Object> toMap() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", secretObject);
        out.put("last_read", lastRead == null ? null : lastRead.getEpochSecond());
        out.put("last_failure", lastFailure == null ? null : lastFailure.name().toLowerCase(Locale.ROOT));
        out.put("reachable", lastRead == null ? null : reachable());
        out.put("auth", auth == null ? null : auth.toMap());
        return Collections.unmodifiableMap(out);
    }

    /** A secret object not read yet. */
    static SecretObjectStatus unread(String secretObject) {
        return new SecretObjectStatus(secretObject, null, null, null);
    }

    /** One whose last read ended now with {@code failure} (null: the fields). */
    static SecretObjectStatus read(String secretObject, Instant at, SecretException.Kind failure) {
        return new SecretObjectStatus(secretObject, at, failure, null);
    }

    /** The same, with how its source authenticates now. */
    SecretObjectStatus withAuth(AuthStatus auth) {
        return new SecretObjectStatus(secretObject, lastRead, lastFailure, auth);
    }

    /** Whether the last read reached a source that could answer: false after an unreachable, timed-out or sealed read. */
    public boolean reachable() {
        return lastRead != null && (lastFailure == null || !lastFailure.isOutage());
    }
}
