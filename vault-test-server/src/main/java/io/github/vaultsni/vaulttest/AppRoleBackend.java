package io.github.vaultsni.vaulttest;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/** The AppRole auth method: roles with a role_id, secret_ids issued per role, and login that yields a token. */
final class AppRoleBackend implements AuthBackend {
    private record Role(String name, String roleId, List<String> policies, long tokenTtl, long tokenMaxTtl) {
    }

    private final Map<String, Role> roles = new ConcurrentHashMap<>();
    private final Map<String, String> secretIdToRole = new ConcurrentHashMap<>();
    private final String mount;
    private final TokenStore tokens;

    AppRoleBackend(String mount, TokenStore tokens) {
        this.mount = mount;
        this.tokens = tokens;
    }

    @Override
    public Reply handle(VaultRequest request, String path) {
        String[] parts = path.split("/");
        if (parts.length < 2 || !parts[0].equals("role")) {
            throw VaultError.noHandler("auth/" + mount + path);
        }
        String name = parts[1];
        Operation op = request.operation();
        boolean write = op == Operation.CREATE || op == Operation.UPDATE;
        if (parts.length == 2 && write) {
            return writeRole(name, request);
        }
        if (parts.length == 2 && op == Operation.READ) {
            Role role = requireRole(name);
            return Reply.data(Json.fields("token_policies", role.policies(), "token_ttl", role.tokenTtl(),
                    "token_max_ttl", role.tokenMaxTtl()));
        }
        if (parts.length == 3 && parts[2].equals("role-id") && op == Operation.READ) {
            return Reply.data(Json.fields("role_id", requireRole(name).roleId()));
        }
        if (parts.length == 3 && parts[2].equals("secret-id") && write) {
            requireRole(name);
            String secretId = UUID.randomUUID().toString();
            secretIdToRole.put(secretId, name);
            return Reply.data(Json.fields("secret_id", secretId, "secret_id_accessor", UUID.randomUUID().toString(),
                    "secret_id_num_uses", 0, "secret_id_ttl", 0));
        }
        throw VaultError.noHandler("auth/" + mount + path);
    }

    private Reply writeRole(String name, VaultRequest request) {
        Role existing = roles.get(name);
        Object policies = request.body().containsKey("token_policies") ? request.body().get("token_policies")
                : request.body().get("policies");
        String roleId = existing != null ? existing.roleId() : UUID.randomUUID().toString();
        roles.put(name, new Role(name, roleId, Json.stringList(policies),
                Durations.seconds(request.param("token_ttl"), 0), Durations.seconds(request.param("token_max_ttl"), 0)));
        return Reply.noContent();
    }

    private Role requireRole(String name) {
        Role role = roles.get(name);
        if (role == null) {
            throw VaultError.badRequest("role \"" + name + "\" does not exist");
        }
        return role;
    }

    @Override
    public Reply login(VaultRequest request) {
        String roleId = request.param("role_id");
        String secretId = request.param("secret_id");
        if (roleId == null || roleId.isEmpty()) {
            throw VaultError.badRequest("missing role_id");
        }
        if (secretId == null || secretId.isEmpty()) {
            throw VaultError.badRequest("missing secret_id");
        }
        Optional<Role> role = roles.values().stream().filter(r -> r.roleId().equals(roleId)).findFirst();
        if (role.isEmpty() || !role.get().name().equals(secretIdToRole.get(secretId))) {
            throw VaultError.badRequest("invalid role or secret ID");
        }
        Role r = role.get();
        Token token = new RoleTokenFields(r.policies(), r.tokenTtl(), r.tokenMaxTtl())
                .issue(tokens, mount, "", Map.of("role_name", r.name()));
        return Reply.auth(tokens.authBlock(token));
    }
}
