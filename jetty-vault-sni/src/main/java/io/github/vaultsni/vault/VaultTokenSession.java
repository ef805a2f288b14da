package io.github.vaultsni.vault;

import io.github.jopenlibs.vault.VaultException;
import io.github.jopenlibs.vault.response.AuthResponse;
import io.github.jopenlibs.vault.response.LookupResponse;
import io.github.vaultsni.secret.SecretException;
import io.github.vaultsni.secret.SecretException.Kind;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.UnaryOperator;

/**
 * Keeps a usable token. A static token is looked up once (lookup-self) to learn its TTL, then renewed with
 * renew-self when two thirds of its lease have passed. An AppRole token comes from a login and is renewed the
 * same way; when renewal fails or the token nears its maximum TTL, the login is repeated. A token Vault calls
 * invalid is dropped, so the next use logs in again (AppRole) or looks it up again (static).
 */
final class VaultTokenSession {
    private static final Logger LOG = LoggerFactory.getLogger(VaultTokenSession.class);
    private static final Duration RETRY_AFTER_FAILED_RENEWAL = Duration.ofSeconds(30);

    /**
     * A token and when to refresh it; {@code expiresAt} null = never expires (root, or TTL unknown).
     */
    private record Lease(String token, Duration duration, Instant expiresAt, Instant refreshAt, boolean renewable) {
        boolean refreshDue(Instant now) {
            return refreshAt != null && !now.isBefore(refreshAt);
        }

        boolean expired(Instant now) {
            return expiresAt != null && !now.isBefore(expiresAt);
        }

        Lease retryLater(Instant now) {
            Instant retry = now.plus(RETRY_AFTER_FAILED_RENEWAL);
            return new Lease(token, duration, expiresAt, expiresAt != null && retry.isAfter(expiresAt) ? expiresAt : retry,
                    renewable);
        }
    }

    private final VaultClient client;
    private final Clock clock;
    private final UnaryOperator<String> secrets;
    private volatile Lease lease;

    /**
     * @param secrets resolves an {@code $env://} reference written for the token or secret_id; returns plain
     *                strings unchanged
     */
    VaultTokenSession(VaultClient client, Clock clock, UnaryOperator<String> secrets) {
        this.client = client;
        this.clock = clock;
        this.secrets = secrets;
    }

    /** A token to use now, logging in, looking up or renewing first when due. */
    String token() {
        Lease current = lease;
        Instant now = clock.instant();
        if (current == null || current.expired(now) || current.refreshDue(now)) {
            current = refresh();
        }
        return current.token();
    }

    /** Vault called {@code token} invalid: forget it, so the next {@link #token()} starts over. */
    synchronized void invalidate(String token) {
        Lease current = lease;
        if (current != null && current.token().equals(token)) {
            lease = null;
        }
    }

    /** Renews ahead of time, from the background refresher; failures are logged, never thrown. */
    void maintain() {
        Lease current = lease;
        if (current != null && current.refreshDue(clock.instant())) {
            try {
                refresh();
            } catch (SecretException e) {
                LOG.warn("Vault token upkeep for {} failed: {}", client.settings().uri(), e.getMessage());
            }
        }
    }

    boolean isAppRole() {
        return client.settings().auth() instanceof VaultAuth.AppRole;
    }

    private synchronized Lease refresh() {
        Lease current = lease;
        Instant now = clock.instant();
        if (current != null && !current.expired(now) && !current.refreshDue(now)) {
            return current;
        }
        Lease next;
        if (current == null || current.expired(now)) {
            next = isAppRole() ? login() : lookUp();
        } else {
            next = renewOrLogin(current, now);
        }
        lease = next;
        return next;
    }

    private Lease renewOrLogin(Lease current, Instant now) {
        if (current.renewable()) {
            try {
                AuthResponse renewed = client.driver(current.token(), 1, 1).auth().renewSelf();
                Duration granted = Duration.ofSeconds(renewed.getAuthLeaseDuration());
                // Near the token's maximum TTL Vault grants less than asked: log in afresh instead.
                if (!isAppRole() || granted.compareTo(current.duration().dividedBy(3)) > 0) {
                    LOG.debug("renewed Vault token for {} for {}", client.settings().uri(), granted);
                    return lease(current.token(), granted, renewed.isAuthRenewable(), now);
                }
            } catch (VaultException e) {
                SecretException error = VaultErrors.fromException(e, "renewing the token", client.settings().uri());
                if (!isAppRole()) {
                    LOG.warn("{}; the token is used until it expires", error.getMessage());
                    return current.retryLater(now);
                }
                LOG.info("{}; logging in again", error.getMessage());
            }
        }
        if (!isAppRole()) {
            return new Lease(current.token(), current.duration(), current.expiresAt(), null, false);
        }
        try {
            return login();
        } catch (SecretException e) {
            LOG.warn("{}; the current token is used until it expires", e.getMessage());
            return current.retryLater(now);
        }
    }

    private Lease login() {
        VaultAuth.AppRole appRole = (VaultAuth.AppRole) client.settings().auth();
        try {
            AuthResponse auth = client.driver(null, 1, 1).auth()
                    .loginByAppRole(appRole.mount(), appRole.roleId(), secrets.apply(appRole.secretId()));
            return lease(auth.getAuthClientToken(), Duration.ofSeconds(auth.getAuthLeaseDuration()),
                    auth.isAuthRenewable(), clock.instant());
        } catch (VaultException e) {
            SecretException error = VaultErrors.fromException(e, "logging in with AppRole role_id "
                    + appRole.roleId(), client.settings().uri());
            throw error.kind() == Kind.BAD_RESPONSE || error.kind() == Kind.PERMISSION_DENIED
                    || error.kind() == Kind.INVALID_TOKEN ? new SecretException(Kind.AUTH_FAILED, error.getMessage()) : error;
        }
    }

    /** A static token: its TTL from lookup-self, or "never expires" when the lookup is not allowed. */
    private Lease lookUp() {
        String token = secrets.apply(((VaultAuth.Token) client.settings().auth()).token());
        try {
            LookupResponse self = client.driver(token, 1, 1).auth().lookupSelf();
            return lease(token, Duration.ofSeconds(self.getTTL()), self.isRenewable(), clock.instant());
        } catch (VaultException e) {
            SecretException error = VaultErrors.fromException(e, "looking up the token", client.settings().uri());
            if (error.kind() != Kind.PERMISSION_DENIED) { // INVALID_TOKEN among them: the token itself is bad
                throw error;
            }
            // A policy without lookup-self: the token still works, only its TTL is unknown.
            return new Lease(token, Duration.ZERO, null, null, false);
        }
    }

    private static Lease lease(String token, Duration duration, boolean renewable, Instant now) {
        if (duration.isZero()) {
            return new Lease(token, duration, null, null, false);
        }
        return new Lease(token, duration, now.plus(duration), now.plus(duration.multipliedBy(2).dividedBy(3)), renewable);
    }
}
