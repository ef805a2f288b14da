package io.github.vaultsni.vaulttest;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/** Issues, looks up, renews and revokes tokens, with expiry read from the injected clock. */
final class TokenStore {
    /** Vault's default and maximum lease TTL: 768h. */
    static final long SYSTEM_MAX_TTL = 768L * 3600;
    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    private final Map<String, Token> tokens = new ConcurrentHashMap<>();
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    TokenStore(Clock clock) {
        this.clock = clock;
    }

    Token createRoot(String id) {
        Token root = new Token(id, randomId(24), List.of("root"), "auth/token/root", "root", Map.of(),
                clock.instant(), 0, null, null, false, true);
        tokens.put(id, root);
        return root;
    }

    /**
     * A new token. {@code ttl} 0 means the system default (768h); {@code explicitMaxTtl} 0 means the system
     * maximum. Policies are sorted and get {@code default} unless {@code noDefaultPolicy}.
     */
    Token create(List<String> policies, boolean noDefaultPolicy, long ttl, long explicitMaxTtl, boolean renewable,
                 String path, String displayName, Map<String, String> meta) {
        TreeSet<String> sorted = new TreeSet<>(policies);
        if (!noDefaultPolicy) {
            sorted.add("default");
        }
        Instant now = clock.instant();
        long maxTtl = explicitMaxTtl > 0 ? Math.min(explicitMaxTtl, SYSTEM_MAX_TTL) : SYSTEM_MAX_TTL;
        long effectiveTtl = Math.min(ttl > 0 ? ttl : SYSTEM_MAX_TTL, maxTtl);
        Token token = new Token("hvs." + randomId(24), randomId(24), List.copyOf(sorted), path, displayName, meta,
                now, effectiveTtl, now.plusSeconds(effectiveTtl), now.plusSeconds(maxTtl), renewable,
                !path.startsWith("auth/token/")); // a login's tokens are orphans
        tokens.put(token.id(), token);
        return token;
    }

    /** The live token with this id; unknown, revoked and expired tokens are empty (expired ones are dropped). */
    Optional<Token> lookup(String id) {
        if (id == null || id.isEmpty()) {
            return Optional.empty();
        }
        Token token = tokens.get(id);
        if (token != null && token.expiredAt(clock.instant())) {
            tokens.remove(id);
            return Optional.empty();
        }
        return Optional.ofNullable(token);
    }

    /** Extends the token by {@code increment} seconds (0: by its creation TTL), capped by its maximum. */
    Token renew(Token token, long increment) {
        if (!token.renewable() || token.expireTime() == null) {
            throw VaultError.badRequest("lease is not renewable");
        }
        Instant now = clock.instant();
        Instant wanted = now.plusSeconds(increment > 0 ? increment : token.creationTtl());
        Instant capped = wanted.isAfter(token.maxExpireTime()) ? token.maxExpireTime() : wanted;
        Token renewed = token.renewedUntil(capped);
        tokens.put(token.id(), renewed);
        return renewed;
    }

    /** The accessors of the live tokens, as {@code LIST auth/token/accessors} answers. */
    List<String> accessors() {
        Instant now = clock.instant();
        return tokens.values().stream().filter(t -> !t.expiredAt(now)).map(Token::accessor).sorted().toList();
    }

    /** The live token with this accessor; 400 "invalid accessor" as Vault says for an unknown one. */
    Token byAccessor(String accessor) {
        Instant now = clock.instant();
        return tokens.values().stream().filter(t -> t.accessor().equals(accessor) && !t.expiredAt(now)).findFirst()
                .orElseThrow(() -> VaultError.badRequest("invalid accessor"));
    }

    void revoke(String id) {
        tokens.remove(id);
    }

    Instant now() {
        return clock.instant();
    }

    String randomId(int length) {
        StringBuilder sb = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            sb.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        return sb.toString();
    }

    /** The {@code auth} block of a login, create or renew answer. */
    Map<String, Object> authBlock(Token token) {
        List<String> tokenPolicies = new ArrayList<>(token.policies());
        return Json.fields(
                "client_token", token.id(),
                "accessor", token.accessor(),
                "policies", token.policies(),
                "token_policies", tokenPolicies,
                "metadata", token.meta().isEmpty() ? null : token.meta(),
                "lease_duration", token.ttlAt(clock.instant()),
                "renewable", token.renewable(),
                "entity_id", "",
                "token_type", "service",
                "orphan", token.orphan(),
                "mfa_requirement", null,
                "num_uses", 0);
    }

    /** The {@code data} of {@code auth/token/lookup-self}. */
    Map<String, Object> lookupData(Token token) {
        Instant now = clock.instant();
        return Json.fields(
                "accessor", token.accessor(),
                "creation_time", token.creationTime().getEpochSecond(),
                "creation_ttl", token.creationTtl(),
                "display_name", token.displayName(),
                "entity_id", "",
                "expire_time", token.expireTime() == null ? null : token.expireTime().toString(),
                "explicit_max_ttl", 0,
                "id", token.id(),
                "issue_time", token.creationTime().toString(),
                "meta", token.meta().isEmpty() ? null : token.meta(),
                "num_uses", 0,
                "orphan", token.orphan(),
                "path", token.path(),
                "policies", token.policies(),
                "renewable", token.renewable(),
                "ttl", token.ttlAt(now),
                "type", "service");
    }
}
