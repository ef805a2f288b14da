package io.github.vaultsni.vault;

import io.github.jopenlibs.vault.VaultException;
import io.github.jopenlibs.vault.response.AuthResponse;
import io.github.jopenlibs.vault.response.LookupResponse;
import io.github.vaultsni.secret.AuthStatus;
import io.github.vaultsni.secret.SecretException;
import io.github.vaultsni.secret.SecretException.Kind;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.UnaryOperator;

/**
 * Keeps a usable token, whatever the method ({@link VaultAuth}).
 * <ul>
 *   <li>A login method ({@link VaultLogin}: AppRole, Kubernetes, JWT, certificate) logs in, renews the token with
 *       renew-self when two thirds of its lease have passed (a certificate login logs in again instead), and logs in
 *       again when renewal fails, when Vault grants
 *       less than a third of the lease (the token nears its maximum TTL), when Vault calls the token invalid, and
 *       on a 403 for a token older than {@link #RELOGIN_AFTER_DENIAL} (its role's policies may have changed).</li>
 *   <li>A static token is looked up once (lookup-self) to learn its TTL and renewed the same way.</li>
 *   <li>A token file is read again when it changes (checked at each upkeep) and when Vault refuses its token; it is
 *       looked up for its TTL but never renewed from here: its writer (a Vault Agent) owns the lease.</li>
 * </ul>
 * Only one attempt runs at a time (others wait for its outcome and share it). After a failed attempt the next waits
 * out a backoff (1 s doubling to {@link #MAX_BACKOFF}, with jitter); until then callers get the last failure at
 * once, or keep the current token while it is valid. {@link #status()} tells how it stands, without the token.
 */
final class VaultTokenSession {
    private static final Logger LOG = LoggerFactory.getLogger(VaultTokenSession.class);
    private static final Duration RETRY_AFTER_FAILED_RENEWAL = Duration.ofSeconds(30);
    static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(60);
    /** A 403 for a token at least this old is answered with a new login; younger ones are the policy's answer. */
    static final Duration RELOGIN_AFTER_DENIAL = Duration.ofSeconds(30);

    /**
     * A token and when to refresh it.
     *
     * @param obtainedAt when it was obtained or last renewed
     * @param expiresAt  null: never expires (root), or the TTL is unknown
     * @param refreshAt  null: never refreshed (renewal not possible)
     */
    private record Lease(String token, Duration duration, Instant obtainedAt, Instant expiresAt, Instant refreshAt,
                         boolean renewable) {
        static Lease of(String token, Duration duration, boolean renewable, Instant now) {
            if (duration.isZero()) {
                return new Lease(token, duration, now, null, null, false);
            }
            return new Lease(token, duration, now, now.plus(duration), now.plus(duration.multipliedBy(2).dividedBy(3)),
                    renewable);
        }

        boolean refreshDue(Instant now) {
            return refreshAt != null && !now.isBefore(refreshAt);
        }

        boolean expired(Instant now) {
            return expiresAt != null && !now.isBefore(expiresAt);
        }

        Lease refreshNoEarlierThan(Instant at) {
            Instant retry = expiresAt != null && at.isAfter(expiresAt) ? expiresAt : at;
            return new Lease(token, duration, obtainedAt, expiresAt, retry, renewable);
        }

        /** The same token, to be replaced by a new login at the next occasion. */
        Lease replaceNow(Instant now) {
            return new Lease(token, duration, obtainedAt, expiresAt, now, false);
        }

        @Override
        public String toString() {
            return "Lease{token=redacted, expiresAt=" + expiresAt + "}";
        }
    }

    /** How a token file looked when last read: its modification time and size. */
    private record FileStamp(Instant modified, long size) {
        static FileStamp of(Path file) {
            try {
                BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
                return new FileStamp(attributes.lastModifiedTime().toInstant(), attributes.size());
            } catch (IOException e) {
                return new FileStamp(Instant.EPOCH, -1);
            }
        }
    }

    private final VaultClient client;
    private final VaultAuth auth;
    private final Clock clock;
    private final UnaryOperator<String> secrets;
    private volatile Lease lease;
    private volatile AuthStatus.Logins logins = AuthStatus.Logins.NONE;
    private volatile FileStamp tokenFileStamp;

    /**
     * @param secrets resolves an {@code $env://} or {@code $secret://} reference written for a credential; returns
     *                plain strings unchanged
     */
    VaultTokenSession(VaultClient client, Clock clock, UnaryOperator<String> secrets) {
        this.client = client;
        this.auth = client.settings().auth();
        this.clock = clock;
        this.secrets = secrets;
    }

    /** A token to use now, logging in, reading, looking up or renewing first when due. */
    String token() {
        Lease current = lease;
        Instant now = clock.instant();
        if (current == null || current.expired(now) || current.refreshDue(now)) {
            current = refresh();
        }
        return current.token();
    }

    /**
     * Vault refused {@code token} with {@code kind} ({@link Kind#INVALID_TOKEN} or {@link Kind#PERMISSION_DENIED}):
     * whether another token may be had, so the refused call is worth one more try with {@link #token()}.
     */
    synchronized boolean refused(String token, Kind kind) {
        Lease current = lease;
        if (current == null || !current.token().equals(token)) {
            return current != null; // replaced meanwhile: try the new one
        }
        Instant now = clock.instant();
        if (auth instanceof VaultAuth.TokenFile file) {
            return readTokenFileIfChanged(file, true);
        }
        if (!VaultLogin.logsIn(auth)) {
            if (kind == Kind.INVALID_TOKEN) {
                lease = null; // looked up again at the next use, after the backoff
            }
            return false;
        }
        if (kind == Kind.INVALID_TOKEN) {
            lease = null;
            return true;
        }
        if (Duration.between(current.obtainedAt(), now).compareTo(RELOGIN_AFTER_DENIAL) >= 0) {
            LOG.info("Vault at {} denied a token of {} obtained {} s ago; logging in again", client.settings().uri(),
                    auth.method(), Duration.between(current.obtainedAt(), now).toSeconds());
            lease = current.replaceNow(now);
            return true;
        }
        return false;
    }

    /** Upkeep, from the background refresher: renews or logs in ahead of time, re-reads a changed token file. */
    void maintain() {
        try {
            if (auth instanceof VaultAuth.TokenFile file && lease != null) {
                synchronized (this) {
                    readTokenFileIfChanged(file, false);
                }
            }
            Lease current = lease;
            Instant now = clock.instant();
            boolean recovering = current == null && logins.consecutiveFailures() > 0;
            if (recovering || current != null && (current.refreshDue(now) || current.expired(now))) {
                refresh();
            }
        } catch (SecretException e) {
            LOG.debug("Vault token upkeep for {} failed: {}", client.settings().uri(), e.getMessage());
        }
    }

    /** How authentication stands, without the token. */
    AuthStatus status() {
        Lease current = lease;
        AuthStatus.TokenState token = current == null ? null
                : new AuthStatus.TokenState(current.obtainedAt(), current.expiresAt(),
                current.renewable() && renewsHere());
        return new AuthStatus(auth.method(), auth.describe(), token, logins);
    }

    private synchronized Lease refresh() {
        Lease current = lease;
        Instant now = clock.instant();
        if (current != null && !current.expired(now) && !current.refreshDue(now)) {
            return current;
        }
        AuthStatus.Logins history = logins;
        if (history.retryAt() != null && now.isBefore(history.retryAt())) {
            if (current != null && !current.expired(now)) {
                return current;
            }
            throw backingOff(history, now);
        }
        Lease next = current == null || current.expired(now) ? obtain(now) : renewOrReplace(current, now);
        lease = next;
        return next;
    }

    private SecretException backingOff(AuthStatus.Logins history, Instant now) {
        AuthStatus.Failure last = history.lastFailure();
        long seconds = Math.max(1, Duration.between(now, history.retryAt()).toSeconds());
        return new SecretException(last.kind(), last.message() + " (next attempt in " + seconds + " s)");
    }

    /** A new token: logged in, read from its file, or the static one looked up. Failures start the backoff. */
    private Lease obtain(Instant now) {
        try {
            Lease obtained;
            if (VaultLogin.logsIn(auth)) {
                VaultLogin.Grant grant = VaultLogin.login(client, auth, secrets);
                LOG.debug("logged in to Vault at {} with {} for {}", client.settings().uri(), auth.method(),
                        grant.duration());
                obtained = Lease.of(grant.token(), grant.duration(), grant.renewable(), clock.instant());
            } else if (auth instanceof VaultAuth.TokenFile file) {
                obtained = lookUp(readTokenFile(file.file()));
            } else {
                obtained = lookUp(secrets.apply(((VaultAuth.Token) auth).token()));
            }
            logins = logins.succeeded();
            return obtained;
        } catch (SecretException e) {
            Instant retryAt = now.plus(backoff(logins.consecutiveFailures() + 1));
            logins = logins.failed(new AuthStatus.Failure(e.kind(), e.getMessage(), now), retryAt);
            LOG.warn("{} (next attempt in {} ms)", e.getMessage(), Duration.between(now, retryAt).toMillis());
            throw e;
        }
    }

    /** 1 s doubling per consecutive failure up to {@link #MAX_BACKOFF}, less up to a fifth at random. */
    static Duration backoff(int failures) {
        long millis = Math.min(MAX_BACKOFF.toMillis(), FIRST_BACKOFF.toMillis() << Math.min(failures - 1, 16));
        return Duration.ofMillis(millis - ThreadLocalRandom.current().nextLong(millis / 5 + 1));
    }

    private Lease renewOrReplace(Lease current, Instant now) {
        if (current.renewable() && renewsHere()) {
            try {
                AuthResponse renewed = client.driver(current.token(), 1, 1).auth().renewSelf();
                Duration granted = Duration.ofSeconds(renewed.getAuthLeaseDuration());
                // Near the token's maximum TTL Vault grants less than asked: log in afresh instead.
                if (!VaultLogin.logsIn(auth) || granted.compareTo(current.duration().dividedBy(3)) > 0) {
                    LOG.debug("renewed Vault token for {} for {}", client.settings().uri(), granted);
                    return Lease.of(current.token(), granted, renewed.isAuthRenewable(), now);
                }
            } catch (VaultException e) {
                SecretException error = VaultErrors.fromException(e, "renewing the token", client.settings().uri());
                if (!VaultLogin.logsIn(auth)) {
                    LOG.warn("{}; the token is used until it expires", error.getMessage());
                    return current.refreshNoEarlierThan(now.plus(RETRY_AFTER_FAILED_RENEWAL));
                }
                LOG.info("{}; logging in again", error.getMessage());
            }
        }
        if (!VaultLogin.logsIn(auth)) {
            return current.refreshNoEarlierThan(Instant.MAX); // nothing to do but use it until it expires
        }
        try {
            return obtain(now);
        } catch (SecretException e) {
            return current.refreshNoEarlierThan(logins.retryAt()); // the current token still serves meanwhile
        }
    }

    /**
     * Whether the token is renewed with renew-self from here: not a token file's (its writer renews it), nor a
     * certificate login's (Vault wants the certificate on the renewing connection too: a new login is made instead).
     */
    private boolean renewsHere() {
        return !(auth instanceof VaultAuth.TokenFile) && !(auth instanceof VaultAuth.Cert);
    }

    /** A static or file token: its TTL from lookup-self, or "never expires" when the lookup is not allowed. */
    private Lease lookUp(String token) {
        try {
            LookupResponse self = client.driver(token, 1, 1).auth().lookupSelf();
            return Lease.of(token, Duration.ofSeconds(self.getTTL()), self.isRenewable(), clock.instant());
        } catch (VaultException e) {
            SecretException error = VaultErrors.fromException(e, "looking up the token", client.settings().uri());
            if (error.kind() != Kind.PERMISSION_DENIED) { // INVALID_TOKEN among them: the token itself is bad
                throw error;
            }
            // A policy without lookup-self: the token still works, only its TTL is unknown.
            return new Lease(token, Duration.ZERO, clock.instant(), null, null, false);
        }
    }

    /**
     * Takes the token file's token when the file changed since it was read ({@code force}: even when it looks the
     * same); whether a different token is now in use.
     */
    private boolean readTokenFileIfChanged(VaultAuth.TokenFile file, boolean force) {
        FileStamp stamp = FileStamp.of(file.file());
        if (!force && stamp.equals(tokenFileStamp)) {
            return false;
        }
        Lease current = lease;
        try {
            String token = readTokenFile(file.file());
            if (current != null && current.token().equals(token)) {
                return false;
            }
            lease = lookUp(token);
            logins = logins.succeeded();
            LOG.info("Vault token file {} changed; using its new token", file.file());
            return true;
        } catch (SecretException e) {
            Instant now = clock.instant();
            logins = logins.failed(new AuthStatus.Failure(e.kind(), e.getMessage(), now),
                    now.plus(backoff(logins.consecutiveFailures() + 1)));
            LOG.warn("{}; keeping the token read before", e.getMessage());
            return false;
        }
    }

    private String readTokenFile(Path file) {
        FileStamp stamp = FileStamp.of(file);
        String token;
        try {
            token = Files.readString(file, StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new SecretException(Kind.AUTH_FAILED, "cannot read the token file " + file + " ("
                    + e.getClass().getSimpleName() + ")");
        }
        if (token.isEmpty()) {
            throw new SecretException(Kind.AUTH_FAILED, "the token file " + file + " is empty");
        }
        tokenFileStamp = Objects.requireNonNull(stamp);
        return token;
    }
}
