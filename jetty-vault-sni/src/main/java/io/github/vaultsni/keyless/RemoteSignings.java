package io.github.vaultsni.keyless;

import io.github.vaultsni.secret.SecretException;
import io.github.vaultsni.vault.VaultBreaker;
import org.eclipse.jetty.util.thread.Invocable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SignatureException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The bounds of keyless handshakes, which alone of all handshakes wait on Vault: at most {@code maxInFlight}
 * signatures asked of Vault at once, and half of those of one Vault connection (one more is refused at once, not
 * queued, so keyless handshakes never hold more threads than that, and a Vault that hangs leaves places to the
 * others), each waited for no longer than {@code deadline} (its handshake is refused past it; the call itself
 * still holds its place until Vault answers or times out), and a {@link VaultBreaker} per Vault connection that
 * refuses them at once while that Vault is unreachable, sealed or too slow (a refusal, e.g. a policy that does not
 * allow one key, fails that key's handshakes alone). A signature is never asked for on a thread that must not block
 * (a selector's): it is refused there. Failures are counted, and logged at most once a minute.
 *
 * <p>The call runs on {@code executor}; the handshake's thread waits for it with the deadline.
 */
public final class RemoteSignings {
    public static final int DEFAULT_MAX_IN_FLIGHT = 8;
    public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(2);
    private static final long FAILURE_LOG_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);
    private static final Logger LOG = LoggerFactory.getLogger(RemoteSignings.class);

    private final Executor executor;
    private final Clock clock;
    private final int maxInFlight;
    private final Duration deadline;
    private final int perVault;
    private final Semaphore places;
    private final Map<String, VaultPlaces> vaults = new ConcurrentHashMap<>();
    private final AtomicLong lastFailureLogged = new AtomicLong(System.nanoTime() - FAILURE_LOG_INTERVAL_NANOS);
    private final LongAdder signed = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder refused = new LongAdder();

    /**
     * @param executor    runs the calls to Vault
     * @param maxInFlight the most signatures asked of Vault at once
     * @param deadline    how long a handshake waits for its signature
     */
    public RemoteSignings(Executor executor, Clock clock, int maxInFlight, Duration deadline) {
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight (" + maxInFlight + ") must be at least 1");
        }
        if (deadline.isNegative() || deadline.isZero()) {
            throw new IllegalArgumentException("deadline (" + deadline + ") must be positive");
        }
        this.executor = Objects.requireNonNull(executor, "executor");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.maxInFlight = maxInFlight;
        this.deadline = deadline;
        this.perVault = Math.max(1, maxInFlight / 2);
        this.places = new Semaphore(maxInFlight);
    }

    /** One Vault connection's breaker and places: a Vault that hangs holds at most half the places. */
    private record VaultPlaces(VaultBreaker breaker, Semaphore places) {
    }

    /**
     * Runs {@code call} (a signature asked of the Vault of secret object {@code vault}) within the bounds, and
     * answers what it made.
     *
     * @param what names the key in messages
     * @throws SignatureException refused, failed or too late, saying which
     */
    public byte[] sign(String vault, String what, Callable<byte[]> call) throws SignatureException {
        if (Invocable.isNonBlockingInvocation()) {
            throw refused(what, "asked on a thread that must not wait (a selector's)");
        }
        VaultPlaces of = vaults.computeIfAbsent(vault, id -> new VaultPlaces(new VaultBreaker(), new Semaphore(perVault)));
        if (!of.breaker().admit(clock.instant())) {
            throw refused(what, "Vault " + vault + " failed or hung recently (breaker " + of.breaker() + ")");
        }
        if (!of.places().tryAcquire()) {
            of.breaker().abandon();
            throw refused(what, perVault + " signatures already in flight on Vault " + vault);
        }
        if (!places.tryAcquire()) {
            of.places().release();
            of.breaker().abandon();
            throw refused(what, maxInFlight + " signatures already in flight");
        }
        Call signature = new Call();
        try {
            executor.execute(() -> {
                byte[] made = null;
                Exception failure = null;
                try {
                    made = call.call();
                } catch (Exception e) {
                    failure = e;
                } finally { // an Error goes on up the pool's thread, its place freed and its caller answered
                    if (made == null && failure == null) {
                        failure = new IllegalStateException("the call to Vault ended abruptly");
                    }
                    finish(signature, of, made, failure);
                }
            });
        } catch (RejectedExecutionException e) {
            places.release();
            of.places().release();
            of.breaker().abandon();
            throw refused(what, "no thread to ask Vault on");
        }
        return await(signature, of.breaker(), what);
    }

    /** Frees the call's places, tells its breaker, then answers its caller (in that order: see the class). */
    private void finish(Call signature, VaultPlaces of, byte[] made, Exception failure) {
        places.release(); // before the answer: a caller that has it finds its place free
        of.places().release();
        synchronized (signature) {
            signature.finished = true;
            of.breaker().ended(signature.slow, !unavailable(failure), clock.instant());
        }
        if (failure == null) {
            signature.complete(made);
        } else {
            signature.completeExceptionally(failure);
        }
    }

    /** One signature asked of Vault; {@code slow} and {@code finished} are guarded by it, so the breaker hears each once. */
    private static final class Call extends CompletableFuture<byte[]> {
        private boolean slow;
        private boolean finished;
    }

    /**
     * Whether {@code failure} (null: none) is Vault unreachable, not answering in time or sealed: what the breaker
     * counts. A refusal (a policy, a missing key) is Vault answering: it fails that key alone.
     */
    private static boolean unavailable(Exception failure) {
        if (failure == null) {
            return false;
        }
        return !(failure instanceof SecretException secret) || secret.kind() == SecretException.Kind.UNREACHABLE
                || secret.kind() == SecretException.Kind.TIMEOUT || secret.kind() == SecretException.Kind.SEALED;
    }

    private byte[] await(Call signature, VaultBreaker breaker, String what) throws SignatureException {
        try {
            try {
                return made(signature.get(deadline.toNanos(), TimeUnit.NANOSECONDS));
            } catch (TimeoutException e) {
                boolean finished;
                synchronized (signature) {
                    finished = signature.finished;
                    if (!finished) {
                        signature.slow = true;
                        breaker.slow(clock.instant());
                    }
                }
                if (!finished) {
                    throw failed(what, "Vault did not sign within " + deadline.toMillis() + " ms");
                }
                return made(signature.get()); // answered as the deadline passed: taken (completed at once)
            }
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw failed(what, cause instanceof SecretException ? cause.getMessage()
                    : cause.getClass().getSimpleName() + ": " + cause.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failed(what, "interrupted waiting for Vault");
        }
    }

    private byte[] made(byte[] signature) {
        signed.increment();
        return signature;
    }

    /** A signature asked of Vault that failed, logged at most once a minute (each is counted). */
    private SignatureException failed(String what, String why) {
        failed.increment();
        long now = System.nanoTime();
        long last = lastFailureLogged.get();
        if (now - last >= FAILURE_LOG_INTERVAL_NANOS && lastFailureLogged.compareAndSet(last, now)) {
            LOG.warn("keyless handshake refused: {}: {} ({} failed so far)", what, why, failed.sum());
        }
        return new SignatureException(what + ": " + why);
    }

    private SignatureException refused(String what, String why) {
        refused.increment();
        return new SignatureException(what + ": not signed: " + why);
    }

    /** Signatures made. */
    public long signed() {
        return signed.sum();
    }

    /** Signatures asked of Vault that failed or came too late. */
    public long failed() {
        return failed.sum();
    }

    /** Signatures refused without asking Vault (bounds, breaker). */
    public long refused() {
        return refused.sum();
    }

    public Duration deadline() {
        return deadline;
    }

    @Override
    public String toString() {
        return "RemoteSignings{maxInFlight=" + maxInFlight + " (" + perVault + " a Vault), deadline=" + deadline + ", in flight "
                + (maxInFlight - places.availablePermits()) + "}";
    }
}
