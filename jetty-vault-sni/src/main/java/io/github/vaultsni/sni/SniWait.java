package io.github.vaultsni.sni;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletionStage;

/**
 * What a handshake for a name waits for before the key manager can answer it, and for how long at most: the
 * certificate of an SSL object being built, or of a name under a wildcard being issued. The
 * {@link ClientHelloConnectionFactory} parks the connection on it without a thread; nothing waits on it during a
 * handshake.
 *
 * @param owner   whose work it is (an SSL object id): parked connections are bounded per owner
 * @param done    completes, normally or not, when waiting longer would change nothing: the outcome is served
 * @param timeout the longest a connection is parked on it
 */
public record SniWait(String owner, CompletionStage<?> done, Duration timeout) {
    public SniWait {
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(done, "done");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout (" + timeout + ") must not be negative");
        }
    }

    /** Whether there is nothing left to wait for. */
    public boolean isDone() {
        return done.toCompletableFuture().isDone();
    }
}
