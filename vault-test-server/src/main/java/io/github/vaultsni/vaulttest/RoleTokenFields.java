package io.github.vaultsni.vaulttest;

import java.util.List;
import java.util.Map;

/**
 * The token fields every role of an auth method takes (Vault's tokenutil): {@code token_policies},
 * {@code token_ttl}, {@code token_max_ttl}, and their older names {@code policies}, {@code ttl}, {@code max_ttl}.
 *
 * @param ttl    seconds; 0: the system default
 * @param maxTtl seconds; 0: the system maximum
 */
record RoleTokenFields(List<String> policies, long ttl, long maxTtl) {

    /** The fields of a role write; {@code ttlAboveMax} is the method's own words for a TTL above the maximum. */
    static RoleTokenFields from(VaultRequest request, String ttlAboveMax) {
        Map<String, Object> body = request.body();
        Object policies = body.containsKey("token_policies") ? body.get("token_policies") : body.get("policies");
        long ttl = Durations.seconds(body.containsKey("token_ttl") ? body.get("token_ttl") : body.get("ttl"), 0);
        long maxTtl = Durations.seconds(body.containsKey("token_max_ttl") ? body.get("token_max_ttl")
                : body.get("max_ttl"), 0);
        if (maxTtl > 0 && ttl > maxTtl) {
            throw VaultError.badRequest(ttlAboveMax);
        }
        if (!Json.stringList(body.get("token_bound_cidrs")).isEmpty() || !Json.stringList(body.get("bound_cidrs")).isEmpty()) {
            // Vault answers a login from elsewhere with 403; this server does not know where a request comes from.
            throw VaultError.badRequest("the test server does not check token_bound_cidrs");
        }
        return new RoleTokenFields(Json.stringList(policies), ttl, maxTtl);
    }

    /** As a role read shows them. */
    Map<String, Object> read() {
        return Json.fields("token_policies", policies, "token_ttl", ttl, "token_max_ttl", maxTtl);
    }

    /**
     * A login's token: renewable, orphan, its display name prefixed with the mount as Vault's core does
     * ({@code kubernetes-default-app}).
     */
    Token issue(TokenStore tokens, String mount, String displayName, Map<String, String> meta) {
        String prefix = mount.replace('/', '-');
        String display = displayName.isEmpty() ? prefix.substring(0, prefix.length() - 1) : prefix + displayName;
        return tokens.create(policies, false, ttl, maxTtl, true, "auth/" + mount + "login", display, meta);
    }
}
