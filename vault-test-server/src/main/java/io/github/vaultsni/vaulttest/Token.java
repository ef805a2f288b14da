package io.github.vaultsni.vaulttest;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A service token. {@code ttlSeconds == 0} never expires (the root token); {@code expireTime} moves on renewal
 * and never past {@code maxExpireTime}.
 */
record Token(String id, String accessor, List<String> policies, String path, String displayName,
             Map<String, String> meta, Instant creationTime, long creationTtl, Instant expireTime,
             Instant maxExpireTime, boolean renewable, boolean orphan) {

    boolean isRoot() {
        return policies.contains("root");
    }

    boolean expiredAt(Instant now) {
        return expireTime != null && !now.isBefore(expireTime);
    }

    long ttlAt(Instant now) {
        return expireTime == null ? 0 : Math.max(0, expireTime.getEpochSecond() - now.getEpochSecond());
    }

    Token renewedUntil(Instant newExpire) {
        return new Token(id, accessor, policies, path, displayName, meta, creationTime, creationTtl, newExpire,
                maxExpireTime, renewable, orphan);
    }
}
