package io.github.vaultsni.keyless;

import io.github.vaultsni.secret.SecretException;
import io.github.vaultsni.vault.VaultBreaker;
import org.eclipse.jetty.util.thread.Invocable;

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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * The bounds of keyless handshakes, which alone of all handshakes wait on Vault: at most {@code maxInFlight}
 * signatures asked of Vault at once (one more is refused at once, not queued, so keyless handshakes never hold more
 * threads than that), each waited for no longer than {@code deadline} (its handshake is refused past it; the call
 * itself still holds its place until Vault answers or times out, so a Vault that hangs soon refuses them all at
 * once), and a {@link VaultBreaker} per Vault connection that refuses them at once while that Vault fails. A
 * signature is never asked for on a thread that must not block (a selector's): it is refused there.
 *
 * <p>The call runs on {@code executor}; the handshake's thread waits for it with the deadline.
 */
public final class RemoteSignings {
    public static final int DEFAULT_MAX_IN_FLIGHT = 8;
    public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(2);

    private final Executor executor;
    private final Clock clock;
    private final int maxInFlight;
    private final Duration deadline;
    private final Semaphore places;
    private final Map<String, VaultBreaker> breakers = new ConcurrentHashMap<>();
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
        this.places = new Semaphore(maxInFlight);
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
        VaultBreaker breaker = breakers.computeIfAbsent(vault, id -> new VaultBreaker());
        if (!breaker.admit(clock.instant())) {
            throw refused(what, "Vault " + vault + " failed or hung recently (breaker " + breaker + ")");
        }
        if (!places.tryAcquire()) {
            breaker.abandon();
            throw refused(what, maxInFlight + " signatures already in flight");
        }
        CompletableFuture<byte[]> signature = new CompletableFuture<>();
        AtomicBoolean slow = new AtomicBoolean();
        try {
            executor.execute(() -> {
                try {
                    signature.complete(call.call());
                } catch (Throwable failure) {
                    signature.completeExceptionally(failure);
                } finally {
                    places.release();
                    synchronized (slow) {
                        breaker.ended(slow.get(), !signature.isCompletedExceptionally(), clock.instant());
                    }
                }
            });
        } catch (RejectedExecutionException e) {
            places.release();
            breaker.abandon();
            throw refused(what, "no thread to ask Vault on");
        }
        return await(signature, slow, breaker, what);
    }

    private byte[] await(CompletableFuture<byte[]> signature, AtomicBoolean slow, VaultBreaker breaker, String what)
            throws SignatureException {
        try {
            byte[] made = signature.get(deadline.toNanos(), TimeUnit.NANOSECONDS);
            signed.increment();
            return made;
        } catch (TimeoutException e) {
            synchronized (slow) {
                if (!signature.isDone()) {
                    slow.set(true);
                    breaker.slow(clock.instant());
                }
            }
            failed.increment();
            throw new SignatureException(what + ": Vault did not sign within " + deadline.toMillis() + " ms");
        } catch (ExecutionException e) {
            failed.increment();
            Throwable cause = e.getCause();
            throw new SignatureException(what + ": " + (cause instanceof SecretException ? cause.getMessage()
                    : cause.getClass().getSimpleName() + ": " + cause.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failed.increment();
            throw new SignatureException(what + ": interrupted waiting for Vault");
        }
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
        return "RemoteSignings{maxInFlight=" + maxInFlight + ", deadline=" + deadline + ", in flight "
                + (maxInFlight - places.availablePermits()) + "}";
    }
}
