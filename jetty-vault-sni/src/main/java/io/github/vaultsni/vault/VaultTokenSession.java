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
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.UnaryOperator;

/**
 * Keeps a usable token, whatever the method ({@link VaultAuth}).
 * <ul>
 *   <li>A login method (AppRole, Kubernetes, JWT, certificate: {@link VaultLogin}) logs in, renews the token with
 *       renew-self when two thirds of its lease have passed (a certificate login logs in again instead), and logs in
 *       again when renewal fails, when Vault grants less than a third of the lease (the token nears its maximum TTL),
 *       when Vault calls the token invalid, and on a 403 for a token logged in at least {@link #RELOGIN_AFTER_DENIAL}
 *       ago (its role's policies may have changed). A token replaced while still valid is revoked.</li>
 *   <li>A static token is looked up (lookup-self) to learn its TTL and renewed the same way while renewable.</li>
 *   <li>A token file is read again when it changes (checked at each upkeep), when Vault refuses its token and when
 *       its token is due and cannot be renewed; its token is looked up and renewed as a static one.</li>
 * </ul>
 * One attempt runs at a time. A caller that needs a token waits for a running attempt and shares its outcome; one
 * that still holds a valid token keeps using it meanwhile. After a failed attempt the next waits out a backoff (1 s
 * doubling to {@link #MAX_BACKOFF}, less up to a fifth at random, counted from the failure); until then callers get
 * the last failure at once, or keep the current token while it is valid. {@link #status()} tells how it stands,
 * without the token.
 */
final class VaultTokenSession {
    private static final Logger LOG = LoggerFactory.getLogger(VaultTokenSession.class);
    private static final Duration RETRY_AFTER_FAILED_RENEWAL = Duration.ofSeconds(30);
    static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(60);
    /** A 403 for a token logged in at least this long ago is answered with a new login; younger: the policy's word. */
    static final Duration RELOGIN_AFTER_DENIAL = Duration.ofSeconds(30);

    /**
     * A token and when to refresh it.
     *
     * @param obtainedAt when it was logged in, read or looked up (a renewal keeps it)
     * @param expiresAt  null: never expires (root), or the TTL is unknown
     * @param refreshAt  null: never refreshed
     */
    private record Lease(String token, Duration duration, Instant obtainedAt, Instant expiresAt, Instant refreshAt,
                         boolean renewable) {
        static Lease of(String token, Duration duration, boolean renewable, Instant obtainedAt, Instant now) {
            if (duration.isZero()) {
                return unknownTtl(token, obtainedAt);
            }
            return new Lease(token, duration, obtainedAt, now.plus(duration),
                    now.plus(duration.multipliedBy(2).dividedBy(3)), renewable);
        }

        /** A token whose TTL Vault would not tell (or that never expires): used until Vault refuses it. */
        static Lease unknownTtl(String token, Instant obtainedAt) {
            return new Lease(token, Duration.ZERO, obtainedAt, null, null, false);
        }

        boolean refreshDue(Instant now) {
            return refreshAt != null && !now.isBefore(refreshAt);
        }

        boolean expired(Instant now) {
            return expiresAt != null && !now.isBefore(expiresAt);
        }

        boolean valid(Instant now) {
            return !expired(now);
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

    /** How a token file looked when last read: its identity (a Vault Agent writes by rename), time and size. */
    private record FileStamp(Object key, Instant modified, long size) {
        static FileStamp of(Path file) {
            try {
                BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
                return new FileStamp(attributes.fileKey(), attributes.lastModifiedTime().toInstant(), attributes.size());
            } catch (IOException e) {
                return new FileStamp(null, Instant.EPOCH, -1);
            }
        }
    }

    private final VaultClient client;
    private final VaultAuth auth;
    private final Clock clock;
    private final UnaryOperator<String> secrets;
    /** Held by the one attempt (login, lookup, renewal, file read) running. */
    private final ReentrantLock attempt = new ReentrantLock();
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

    /**
     * A token to use now: the current one while it is valid and not due; a due one is refreshed first unless another
     * caller is refreshing it already (then the current one, still valid, serves); none or an expired one waits
     * for the attempt.
     */
    String token() {
        Lease current = lease;
        Instant now = clock.instant();
        if (current != null && current.valid(now) && !current.refreshDue(now)) {
            return current.token();
        }
        if (current != null && current.valid(now)) {
            if (!attempt.tryLock()) {
                return current.token();
            }
        } else {
            attempt.lock();
        }
        try {
            return refresh().token();
        } finally {
            attempt.unlock();
        }
    }

    /**
     * Vault refused {@code token} with {@code kind} ({@link Kind#INVALID_TOKEN} or {@link Kind#PERMISSION_DENIED}):
     * whether another token may be had, so the refused call is worth one more try with {@link #token()}.
     */
    boolean refused(String token, Kind kind) {
        attempt.lock();
        try {
            Lease current = lease;
            if (current == null || !current.token().equals(token)) {
                return true; // dropped or replaced meanwhile: the next token() has another, or says why not
            }
            if (auth instanceof VaultAuth.TokenFile file) {
                return readTokenFileIfChanged(file, true);
            }
            if (!auth.logsIn()) {
                if (kind == Kind.INVALID_TOKEN) {
                    // A static token Vault no longer knows (revoked, expired): shown at once, looked up again later.
                    lease = null;
                    failed(new SecretException(kind, "Vault refused the token as invalid (revoked or expired)"));
                }
                return false;
            }
            if (kind == Kind.INVALID_TOKEN) {
                lease = null;
                return true;
            }
            Instant now = clock.instant();
            Duration age = Duration.between(current.obtainedAt(), now);
            if (age.compareTo(RELOGIN_AFTER_DENIAL) < 0) {
                return false;
            }
            LOG.info("Vault at {} denied a token of {} logged in {} s ago; logging in again", client.settings().uri(),
                    auth.method(), age.toSeconds());
            lease = current.replaceNow(now);
            return true;
        } finally {
            attempt.unlock();
        }
    }

    /** Upkeep, from the background refresher: renews or logs in ahead of time, re-reads a changed token file. */
    void maintain() {
        if (!attempt.tryLock()) {
            return; // an attempt is running: it is upkeep enough
        }
        try {
            Instant now = clock.instant();
            AuthStatus.Logins history = logins;
            boolean backingOff = history.retryAt() != null && now.isBefore(history.retryAt());
            if (auth instanceof VaultAuth.TokenFile file && lease != null && !backingOff) {
                readTokenFileIfChanged(file, false);
            }
            Lease current = lease;
            boolean recovering = current == null && history.consecutiveFailures() > 0;
            if (recovering || current != null && (current.refreshDue(now) || current.expired(now))) {
                refresh();
            }
        } catch (SecretException e) {
            LOG.debug("Vault token upkeep for {} failed: {}", client.settings().uri(), e.getMessage());
        } finally {
            attempt.unlock();
        }
    }

    /** How authentication stands, without the token. */
    AuthStatus status() {
        Lease current = lease;
        AuthStatus.TokenState token = current == null ? null
                : new AuthStatus.TokenState(current.obtainedAt(), current.expiresAt(), current.renewable());
        return new AuthStatus(auth.method(), auth.describe(), token, logins);
    }

    /** With {@link #attempt} held: the current lease when it needs nothing, else a renewed or new one. */
    private Lease refresh() {
        Lease current = lease;
        Instant now = clock.instant();
        if (current != null && current.valid(now) && !current.refreshDue(now)) {
            return current;
        }
        AuthStatus.Logins history = logins;
        if (history.retryAt() != null && now.isBefore(history.retryAt())) {
            if (current != null && current.valid(now)) {
                return current;
            }
            throw backingOff(history, now);
        }
        Lease next = current == null || current.expired(now) ? obtain() : renewOrReplace(current, now);
        lease = next;
        return next;
    }

    private static SecretException backingOff(AuthStatus.Logins history, Instant now) {
        AuthStatus.Failure last = history.lastFailure();
        long seconds = Math.max(1, Duration.between(now, history.retryAt()).toSeconds());
        return new SecretException(last.kind(), last.message() + " (next attempt in " + seconds + " s)");
    }

    /** A new token: logged in, read from its file, or the static one looked up. A failure starts the backoff. */
    private Lease obtain() {
        try {
            Lease obtained;
            if (auth.logsIn()) {
                VaultLogin.Grant grant = VaultLogin.login(client, auth, secrets);
                LOG.debug("logged in to Vault at {} with {} for {}", client.settings().uri(), auth.method(),
                        grant.duration());
                Instant now = clock.instant();
                obtained = Lease.of(grant.token(), grant.duration(), grant.renewable(), now, now);
            } else if (auth instanceof VaultAuth.TokenFile file) {
                obtained = lookUp(readTokenFile(file.file()));
            } else {
                obtained = lookUp(secrets.apply(((VaultAuth.Token) auth).token()));
            }
            logins = logins.succeeded();
            return obtained;
        } catch (SecretException e) {
            failed(e);
            throw e;
        }
    }

    /** Counts a failed attempt; the next may start once the backoff, counted from now, has passed. */
    private void failed(SecretException e) {
        Instant now = clock.instant();
        Instant retryAt = now.plus(backoff(logins.consecutiveFailures() + 1));
        logins = logins.failed(new AuthStatus.Failure(e.kind(), e.getMessage(), now), retryAt);
        LOG.warn("{} (next attempt in {} ms)", e.getMessage(), Duration.between(now, retryAt).toMillis());
    }

    /** 1 s doubling per consecutive failure up to {@link #MAX_BACKOFF}, less up to a fifth at random. */
    static Duration backoff(int failures) {
        long millis = Math.min(MAX_BACKOFF.toMillis(), FIRST_BACKOFF.toMillis() << Math.min(failures - 1, 16));
        return Duration.ofMillis(millis - ThreadLocalRandom.current().nextLong(millis / 5 + 1));
    }

    /** A due token, still valid: renewed, else replaced (a new login, the token file read again). */
    private Lease renewOrReplace(Lease current, Instant now) {
        if (current.renewable() && auth.renewsWithRenewSelf()) {
            try {
                AuthResponse renewed = client.driver(current.token(), 1, 1).auth().renewSelf();
                Duration granted = Duration.ofSeconds(renewed.getAuthLeaseDuration());
                // Near the token's maximum TTL Vault grants less than asked: log in afresh instead.
                if (!auth.logsIn() || granted.compareTo(current.duration().dividedBy(3)) > 0) {
                    LOG.debug("renewed Vault token for {} for {}", client.settings().uri(), granted);
                    return Lease.of(current.token(), granted, renewed.isAuthRenewable(), current.obtainedAt(), now);
                }
            } catch (VaultException e) {
                SecretException error = VaultErrors.fromException(e, "renewing the token", client.settings().uri());
                if (!auth.logsIn()) {
                    LOG.warn("{}; the token is used until it expires", error.getMessage());
                    return current.refreshNoEarlierThan(now.plus(RETRY_AFTER_FAILED_RENEWAL));
                }
                LOG.info("{}; logging in again", error.getMessage());
            }
        }
        if (auth instanceof VaultAuth.Token) {
            return current.refreshNoEarlierThan(Instant.MAX); // nothing to do but use it until it expires
        }
        try {
            Lease next = obtain();
            if (auth.logsIn()) {
                revoke(current.token());
            }
            return next;
        } catch (SecretException e) {
            return current.refreshNoEarlierThan(logins.retryAt()); // the current token still serves meanwhile
        }
    }

    /** Best effort: a replaced login token should not live on in Vault until its TTL. */
    private void revoke(String token) {
        try {
            client.driver(token, 1, 1).auth().revokeSelf();
        } catch (VaultException e) {
            LOG.debug("{}", VaultErrors.fromException(e, "revoking a replaced token", client.settings().uri()).getMessage());
        }
    }

    /** A static or file token: its TTL from lookup-self, or "never expires" when the lookup is not allowed. */
    private Lease lookUp(String token) {
        Instant now = clock.instant();
        try {
            LookupResponse self = client.driver(token, 1, 1).auth().lookupSelf();
            return Lease.of(token, Duration.ofSeconds(self.getTTL()), self.isRenewable(), now, now);
        } catch (VaultException e) {
            SecretException error = VaultErrors.fromException(e, "looking up the token", client.settings().uri());
            if (error.kind() != Kind.PERMISSION_DENIED) { // INVALID_TOKEN among them: the token itself is bad
                throw error;
            }
            // A policy without lookup-self: the token still works, only its TTL is unknown.
            return Lease.unknownTtl(token, now);
        }
    }

    /**
     * With {@link #attempt} held: takes the token file's token when the file changed since it was read
     * ({@code force}: even when it looks the same); whether a different token is now in use.
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
            tokenFileStamp = null; // read again at the next upkeep, after the backoff
            failed(e);
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
