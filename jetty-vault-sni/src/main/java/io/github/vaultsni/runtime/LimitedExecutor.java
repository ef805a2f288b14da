package io.github.vaultsni.runtime;

import java.util.Objects;
import java.util.Deque;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * At most {@code limit} of its tasks at once on a shared executor; the others wait in order, holding no thread.
 * The runtime gives one to each kind of work that blocks on Vault (reads, issuances), so a Vault that hangs takes
 * a bounded part of the pool, and the rest (builds, the registry's changes) keeps running.
 */
final class LimitedExecutor implements Executor {
    private final Executor executor;
    private final int limit;
    private final Deque<Runnable> waiting = new ConcurrentLinkedDeque<>();
    private final AtomicInteger running = new AtomicInteger();

    LimitedExecutor(Executor executor, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit (" + limit + ") must be at least 1");
        }
        this.executor = Objects.requireNonNull(executor, "executor");
        this.limit = limit;
    }

    @Override
    public void execute(Runnable task) {
        waiting.add(Objects.requireNonNull(task, "task"));
        drain();
    }

    /** Starts waiting tasks while fewer than the limit run. */
    private void drain() {
        while (!waiting.isEmpty()) {
            int now = running.get();
            if (now >= limit) {
                return;
            }
            if (!running.compareAndSet(now, now + 1)) {
                continue;
            }
            Runnable next = waiting.poll();
            if (next == null) {
                running.decrementAndGet();
                continue; // another thread took it; look again
            }
            try {
                executor.execute(() -> {
                    try {
                        next.run();
                    } finally {
                        running.decrementAndGet();
                        drain();
                    }
                });
            } catch (RejectedExecutionException e) {
                running.decrementAndGet();
                waiting.addFirst(next); // kept in order: the pool is stopping, and whoever asks next is told so
                throw e;
            }
        }
    }

    @Override
    public String toString() {
        return "LimitedExecutor{" + running.get() + "/" + limit + " running, " + waiting.size() + " waiting}";
    }
}
