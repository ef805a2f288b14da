package io.github.vaultsni.gateway.admin;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The admin calls refused for their key, per client (an IPv4 address, or an IPv6 /64, what one host gets), in
 * windows of a minute from a client's first refusal:
 * <ul>
 *   <li><b>Logged, never the key</b>: at a client's 1st, 10th, 100th... refusal of a window (300 wrong keys in a
 *       second are three lines, not 300 or none), the path cut at {@value #MAX_LOGGED_PATH} characters, and at most
 *       {@value #MAX_LINES_PER_MINUTE} such lines a minute in all, however many clients.</li>
 *   <li><b>Slowed</b>: after {@value #FREE_PER_MINUTE} refusals in its window, a client is answered 429 for the rest
 *       of the window whatever key it sends: the key is not even compared, so guessing on in parallel learns
 *       nothing. The price: an admin sharing the address waits for the window to end (at most a minute).</li>
 * </ul>
 * At most {@value #MAX_CLIENTS} clients are followed at once (stale windows are dropped, at most once a second);
 * past that, further clients share one window, {@value #OTHERS}, logged and slowed together.
 */
final class FailedAdminCalls {
    private static final Logger LOG = LoggerFactory.getLogger(FailedAdminCalls.class);
    static final int FREE_PER_MINUTE = 5;
    static final int MAX_CLIENTS = 10_000;
    static final int MAX_LINES_PER_MINUTE = 60;
    static final int MAX_LOGGED_PATH = 200;
    static final String OTHERS = "(other clients)";
    static final Duration WINDOW = Duration.ofMinutes(1);

    private final Clock clock;
    private final Map<String, Window> windows = new ConcurrentHashMap<>();
    private final AtomicLong lastPurge = new AtomicLong();
    private final AtomicReference<Window> logLines;
    private final Object[] locks = new Object[64];

    /** A client's refusals (or, for the log budget, lines written) in the minute since {@code start}. */
    private record Window(Instant start, int count) {
        boolean isOver(Instant now) {
            return !start.plus(WINDOW).isAfter(now);
        }

        Window next(Instant now) {
            return isOver(now) ? new Window(now, 1) : new Window(start, count + 1);
        }
    }

    FailedAdminCalls(Clock clock) {
        this.clock = clock;
        this.logLines = new AtomicReference<>(new Window(Instant.MIN, 0));
        java.util.Arrays.setAll(locks, i -> new Object());
    }

    /**
     * When {@code address} is past its free refusals: the seconds until its window ends, to answer 429 with
     * without looking at the key; else 0.
     */
    long blockedSeconds(String address) {
        Instant now = clock.instant();
        Window window = windows.get(client(address));
        if (window == null && windows.size() >= MAX_CLIENTS) {
            window = windows.get(OTHERS);
        }
        if (window == null || window.isOver(now) || window.count() < FREE_PER_MINUTE) {
            return 0;
        }
        return Math.max(1, Duration.between(now, window.start().plus(WINDOW)).toSeconds());
    }

    /**
     * What a client's check holds while it decides (check, compare, count): one of a few locks, by client, so that
     * no more than {@value #FREE_PER_MINUTE} keys of one client are compared in a window however many arrive at once.
     */
    Object lockFor(String address) {
        return locks[Math.floorMod(client(address).hashCode(), locks.length)];
    }

    /** A call from {@code address} was refused for {@code reason} (APISIX's words: no key material). */
    void refused(String address, String method, String path, String reason) {
        Instant now = clock.instant();
        String client = follow(client(address), now);
        Window window = windows.compute(client, (c, w) -> w == null ? new Window(now, 1) : w.next(now));
        if (isPowerOfTen(window.count()) && logLines.updateAndGet(w -> w.next(now)).count() <= MAX_LINES_PER_MINUTE) {
            String shown = path.length() > MAX_LOGGED_PATH ? path.substring(0, MAX_LOGGED_PATH) + "..." : path;
            LOG.warn("admin API: refused {} {} from {}: {} ({} refused from {} since {}{})", method, shown, address,
                    reason, window.count(), client.equals(OTHERS) ? OTHERS : "it", window.start(),
                    window.count() >= FREE_PER_MINUTE ? "; answered 429 until the minute is over" : "");
        }
    }

    /** The window {@code client} is counted in: its own, or {@link #OTHERS} while too many are followed. */
    private String follow(String client, Instant now) {
        if (windows.size() < MAX_CLIENTS || windows.containsKey(client)) {
            return client;
        }
        long second = now.getEpochSecond();
        long last = lastPurge.get();
        if (last != second && lastPurge.compareAndSet(last, second)) {
            windows.values().removeIf(w -> w.isOver(now));
        }
        return windows.size() < MAX_CLIENTS ? client : OTHERS;
    }

    /** What one client is: its IPv4 address, or the /64 of its IPv6 address. */
    static String client(String address) {
        if (address == null || address.indexOf(':') < 0) {
            return String.valueOf(address);
        }
        try {
            byte[] bytes = InetAddress.getByName(address).getAddress();
            if (bytes.length == 16) {
                java.util.Arrays.fill(bytes, 8, 16, (byte) 0);
                return InetAddress.getByAddress(bytes).getHostAddress() + "/64";
            }
            return address;
        } catch (UnknownHostException e) {
            return address;
        }
    }

    private static boolean isPowerOfTen(int n) {
        while (n >= 10 && n % 10 == 0) {
            n /= 10;
        }
        return n == 1;
    }
}
