package io.github.vaultsni.secret;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How long secrets are kept and how failures are remembered. Immutable; build with {@link #builder()}, whose
 * setters state each default. The defaults are APISIX's: a value is fresh for 300 s, a failure is remembered
 * for 60 s, and a Vault outage keeps the last good value for as long as it lasts.
 */
public final class SecretCacheSettings {
    private final Duration ttl;
    private final Duration negativeTtl;
    private final Duration maxStale;
    private final int maxEntries;
    private final Duration refreshTick;

    private SecretCacheSettings(Builder b) {
        this.ttl = b.ttl;
        this.negativeTtl = b.negativeTtl;
        this.maxStale = b.maxStale;
        this.maxEntries = b.maxEntries;
        this.refreshTick = b.refreshTick;
    }

    public static Builder builder() {
        return new Builder();
    }

    public static SecretCacheSettings defaults() {
        return builder().build();
    }

    public Duration ttl() {
        return ttl;
    }

    public Duration negativeTtl() {
        return negativeTtl;
    }

    /** Empty: a stale value is served through an outage of any length. */
    public Optional<Duration> maxStale() {
        return Optional.ofNullable(maxStale);
    }

    public int maxEntries() {
        return maxEntries;
    }

    public Duration refreshTick() {
        return refreshTick;
    }

    @Override
    public String toString() {
        return "SecretCacheSettings{ttl=" + ttl + ", negativeTtl=" + negativeTtl + ", maxStale="
                + (maxStale == null ? "unlimited" : maxStale) + ", maxEntries=" + maxEntries
                + ", refreshTick=" + refreshTick + "}";
    }

    /** Builder for {@link SecretCacheSettings}. */
    public static final class Builder {
        private Duration ttl = Duration.ofSeconds(300);
        private Duration negativeTtl = Duration.ofSeconds(60);
        private Duration maxStale;
        private int maxEntries = 50_000;
        private Duration refreshTick = Duration.ofSeconds(1);

        private Builder() {
        }

        /**
         * How long a fetched value is fresh. After it, the value is still served while a background refresh runs
         * (stale-while-revalidate), and the background refresher fetches it again. Default: 300 s.
         */
        public Builder ttl(Duration ttl) {
            this.ttl = positive("ttl", ttl);
            return this;
        }

        /**
         * How long a failure (not found, denied, unreachable with no earlier value) is remembered before the
         * next fetch; also the retry interval while an outage keeps a stale value. Default: 60 s.
         */
        public Builder negativeTtl(Duration negativeTtl) {
            this.negativeTtl = positive("negativeTtl", negativeTtl);
            return this;
        }

        /**
         * How long past its TTL a value may still be served while refreshes fail (stale-if-error); null for no
         * limit. Past it, the value is dropped and the reference fails. Default: no limit.
         */
        public Builder maxStale(Duration maxStale) {
            this.maxStale = maxStale == null ? null : positive("maxStale", maxStale);
            return this;
        }

        /** The most secrets (paths, not fields) kept; past it, the least recently used is dropped. Default: 50,000. */
        public Builder maxEntries(int maxEntries) {
            if (maxEntries < 1) {
                throw new IllegalArgumentException("maxEntries (" + maxEntries + ") must be at least 1");
            }
            this.maxEntries = maxEntries;
            return this;
        }

        /** How often the background refresher looks for values past their TTL. Default: 1 s. */
        public Builder refreshTick(Duration refreshTick) {
            this.refreshTick = positive("refreshTick", refreshTick);
            return this;
        }

        public SecretCacheSettings build() {
            return new SecretCacheSettings(this);
        }

        static Duration positive(String name, Duration value) {
            Objects.requireNonNull(value, name);
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(name + " (" + value + ") must be positive");
            }
            return value;
        }
    }
}
