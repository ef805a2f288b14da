package io.github.vaultsni.issuer;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Go's {@code time.ParseDuration} syntax, as Vault takes durations: {@code 72h}, {@code 1h30m}, {@code 1.5h}, {@code 500ms}. */
final class GoDuration {
    private static final Pattern WHOLE = Pattern.compile("(?:[0-9]+(?:\\.[0-9]+)?(?:ns|us|µs|μs|ms|s|m|h))+");
    private static final Pattern PART = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(ns|us|µs|μs|ms|s|m|h)");
    private static final Map<String, Long> NANOS = Map.of("ns", 1L, "us", 1_000L, "µs", 1_000L, "μs", 1_000L,
            "ms", 1_000_000L, "s", 1_000_000_000L, "m", 60_000_000_000L, "h", 3_600_000_000_000L);

    private GoDuration() {
    }

    /** @throws IllegalArgumentException naming {@code field} when {@code text} is not a duration */
    static Duration parse(String text, String field) {
        if (text == null || !WHOLE.matcher(text).matches()) {
            throw new IllegalArgumentException(field + " (" + text + ") must be a duration such as 72h, 30m or 90s");
        }
        BigDecimal nanos = BigDecimal.ZERO;
        Matcher part = PART.matcher(text);
        while (part.find()) {
            nanos = nanos.add(new BigDecimal(part.group(1)).multiply(BigDecimal.valueOf(NANOS.get(part.group(2)))));
        }
        return Duration.ofNanos(nanos.longValueExact());
    }

    /** Vault's form: whole seconds, e.g. {@code 259200s}. */
    static String format(Duration duration) {
        return Math.max(1, duration.toSeconds()) + "s";
    }
}
