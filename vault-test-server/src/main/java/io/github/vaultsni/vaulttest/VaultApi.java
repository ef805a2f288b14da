package io.github.vaultsni.vaulttest;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Vault's HTTP API over in-memory state, transport-free: one {@link VaultRequest} in, one {@link Reply} out.
 * The order of checks is Vault's: unauthenticated sys endpoints, then the seal, then the token, then the ACL,
 * then the route.
 */
final class VaultApi {
    private static final String VERSION = "1.13.0";

    private final Clock clock;
    private final TokenStore tokens;
    private final Map<String, Policy> policies = new ConcurrentHashMap<>();
    private final NavigableMap<String, SecretsEngine> mounts = new ConcurrentSkipListMap<>();
    /** Enabled auth methods by mount ({@code approle/}); the token store's {@code token/} is always there. */
    private final Map<String, AuthBackend> authMounts = new ConcurrentHashMap<>();
    private final String clusterId = UUID.randomUUID().toString();
    private final String unsealKey;
    private volatile boolean sealed;

    VaultApi(Clock clock, String rootToken, String unsealKey, boolean devMounts) {
        this.clock = clock;
        this.unsealKey = unsealKey;
        this.tokens = new TokenStore(clock);
        tokens.createRoot(rootToken);
        policies.put("default", Policy.defaultPolicy());
        if (devMounts) {
            mounts.put("secret/", new KvV2Engine(clock));
        }
    }

    void seal(boolean sealed) {
        this.sealed = sealed;
    }

    Reply handle(VaultRequest request) {
        try {
            return route(request);
        } catch (VaultError e) {
            return Reply.error(e);
        }
    }

    private Reply route(VaultRequest request) {
        String path = request.path();
        switch (path) {
            case "sys/health":
                return health(request);
            case "sys/seal-status":
                return new Reply(200, sealStatus());
            case "sys/unseal":
                return unseal(request);
            default:
                break;
        }
        if (sealed) {
            throw VaultError.sealed();
        }
        Map.Entry<String, AuthBackend> auth = authMountFor(path);
        if (auth != null && path.equals("auth/" + auth.getKey() + "login")) {
            requireWrite(request);
            return auth.getValue().login(request);
        }
        Map.Entry<String, SecretsEngine> publicMount = mountFor(path);
        if (publicMount != null && request.operation() == Operation.READ
                && publicMount.getValue().unauthenticatedRead(relative(path, publicMount.getKey()))) {
            return publicMount.getValue().handle(request, relative(path, publicMount.getKey()));
        }
        Token token = authenticate(request);
        Acl acl = aclFor(token);
        if (path.startsWith("sys/internal/ui/mounts/")) {
            return uiMount(path.substring("sys/internal/ui/mounts/".length()), acl);
        }
        VaultRequest effective = request.withOperation(effectiveOperation(request));
        String capability = path.equals("sys/seal") ? "sudo" : effective.operation().capability;
        if (!acl.allows(path, capability)) {
            throw VaultError.permissionDenied();
        }
        return dispatch(effective, path, token);
    }

    private Reply dispatch(VaultRequest request, String path, Token token) {
        if (path.equals("sys/mounts")) {
            return Reply.data(mountTable());
        }
        if (path.startsWith("sys/mounts/")) {
            return mountAdmin(request, normalizeMount(path.substring("sys/mounts/".length())));
        }
        if (path.startsWith("sys/policy/") || path.startsWith("sys/policies/acl/")) {
            return policyAdmin(request, path.substring(path.lastIndexOf('/') + 1), path.startsWith("sys/policy/"));
        }
        if (path.startsWith("sys/auth/")) {
            requireWrite(request);
            String mount = normalizeMount(path.substring("sys/auth/".length()));
            if (mount.equals("token/") || authMounts.containsKey(mount)) {
                throw VaultError.badRequest("path is already in use at " + mount);
            }
            authMounts.put(mount, newAuthBackend(request.param("type"), mount));
            return Reply.noContent();
        }
        if (path.equals("sys/seal")) {
            requireWrite(request);
            sealed = true;
            return Reply.noContent();
        }
        if (path.startsWith("auth/token/")) {
            return tokenEndpoint(request, path.substring("auth/token/".length()), token);
        }
        Map.Entry<String, AuthBackend> auth = authMountFor(path);
        if (auth != null) {
            return auth.getValue().handle(request, path.substring(("auth/" + auth.getKey()).length()));
        }
        Map.Entry<String, SecretsEngine> mount = mountFor(path);
        if (mount == null) {
            throw VaultError.noHandler(path);
        }
        return mount.getValue().handle(request, relative(path, mount.getKey()));
    }

    private Token authenticate(VaultRequest request) {
        if (request.token() == null || request.token().isEmpty()) {
            throw VaultError.permissionDenied();
        }
        return tokens.lookup(request.token()).orElseThrow(VaultError::invalidToken);
    }

    private Acl aclFor(Token token) {
        List<Policy> granted = new ArrayList<>();
        for (String name : token.policies()) {
            Policy p = policies.get(name);
            if (p != null) {
                granted.add(p);
            }
        }
        return new Acl(granted, token.isRoot());
    }

    /** POST and PUT are {@code create} when nothing exists at the path yet, else {@code update}. */
    private Operation effectiveOperation(VaultRequest request) {
        if (request.operation() != Operation.CREATE && request.operation() != Operation.UPDATE) {
            return request.operation();
        }
        Map.Entry<String, SecretsEngine> mount = mountFor(request.path());
        boolean exists = mount == null || mount.getValue().exists(relative(request.path(), mount.getKey()));
        return exists ? Operation.UPDATE : Operation.CREATE;
    }

    private Reply tokenEndpoint(VaultRequest request, String path, Token token) {
        switch (path) {
            case "lookup-self":
                return Reply.data(tokens.lookupData(token));
            case "renew-self":
                requireWrite(request);
                Map.Entry<String, AuthBackend> issuer = authMountFor(token.path());
                if (issuer != null) {
                    issuer.getValue().checkRenewal(token, request);
                }
                Token renewed = tokens.renew(token, Durations.seconds(request.body().get("increment"), 0));
                return Reply.auth(tokens.authBlock(renewed));
            case "accessors":
                if (request.operation() != Operation.LIST) {
                    throw VaultError.unsupportedOperation();
                }
                return Reply.data(Json.fields("keys", tokens.accessors()));
            case "lookup-accessor":
                requireWrite(request);
                Map<String, Object> looked = tokens.lookupData(tokens.byAccessor(request.param("accessor")));
                looked.put("id", ""); // an accessor lookup never tells the token
                return Reply.data(looked);
            case "revoke-accessor":
                requireWrite(request);
                tokens.revoke(tokens.byAccessor(request.param("accessor")).id());
                return Reply.noContent();
            case "revoke-self":
                requireWrite(request);
                tokens.revoke(token.id());
                return Reply.noContent();
            case "create":
            case "create-orphan":
                requireWrite(request);
                return Reply.auth(tokens.authBlock(createChild(request, token)));
            default:
                throw VaultError.noHandler("auth/token/" + path);
        }
    }

    private Token createChild(VaultRequest request, Token parent) {
        List<String> wanted = Json.stringList(request.body().get("policies"));
        if (wanted.isEmpty()) {
            wanted = parent.policies().stream().filter(p -> !p.equals("default")).toList();
        }
        if (!parent.isRoot() && !parent.policies().containsAll(wanted)) {
            throw VaultError.badRequest("child policies must be subset of parent");
        }
        boolean renewable = request.body().get("renewable") == null
                || Boolean.parseBoolean(request.body().get("renewable").toString());
        boolean noDefault = Boolean.parseBoolean(String.valueOf(request.body().get("no_default_policy")));
        @SuppressWarnings("unchecked")
        Map<String, String> meta = request.body().get("meta") instanceof Map<?, ?> m ? (Map<String, String>) m : Map.of();
        String displayName = request.param("display_name") == null ? "token" : "token-" + request.param("display_name");
        return tokens.create(wanted, noDefault, Durations.seconds(request.body().get("ttl"), 0),
                Durations.seconds(request.body().get("explicit_max_ttl"), 0), renewable, "auth/token/create",
                displayName, meta);
    }

    private Reply mountAdmin(VaultRequest request, String mountPath) {
        switch (request.operation()) {
            case CREATE, UPDATE -> {
                if (mounts.containsKey(mountPath) || mountFor(mountPath) != null) {
                    throw VaultError.badRequest("path is already in use at " + mountPath);
                }
                mounts.put(mountPath, newEngine(request));
                return Reply.noContent();
            }
            case DELETE -> {
                mounts.remove(mountPath);
                return Reply.noContent();
            }
            default -> throw VaultError.unsupportedOperation();
        }
    }

    private SecretsEngine newEngine(VaultRequest request) {
        String type = request.param("type");
        @SuppressWarnings("unchecked")
        Map<String, String> options = request.body().get("options") instanceof Map<?, ?> o
                ? new LinkedHashMap<>((Map<String, String>) o) : null;
        String version = options == null ? null : String.valueOf(options.get("version"));
        if ("kv-v2".equals(type) || ("kv".equals(type) && "2".equals(version))) {
            return new KvV2Engine(clock);
        }
        if ("kv".equals(type)) {
            return new KvV1Engine(options);
        }
        if ("pki".equals(type)) {
            return new PkiEngine(clock);
        }
        if ("transit".equals(type)) {
            return new TransitEngine(clock);
        }
        throw VaultError.badRequest("plugin not found in the catalog: " + type);
    }

    private Reply policyAdmin(VaultRequest request, String name, boolean legacyPath) {
        switch (request.operation()) {
            case CREATE, UPDATE -> {
                String rules = request.param("policy");
                if (rules == null) {
                    rules = request.param("rules");
                }
                if (rules == null || rules.isBlank()) {
                    throw VaultError.badRequest("'policy' parameter not supplied or empty");
                }
                if (Policy.builtIn().contains(name) && name.equals("root")) {
                    throw VaultError.badRequest("cannot update \"root\" policy");
                }
                policies.put(name, Policy.parse(name, rules));
                return Reply.noContent();
            }
            case READ -> {
                Policy p = policies.get(name);
                if (p == null) {
                    throw VaultError.notFound();
                }
                return Reply.data(Json.fields("name", name, legacyPath ? "rules" : "policy", p.rules()));
            }
            case DELETE -> {
                policies.remove(name);
                return Reply.noContent();
            }
            default -> throw VaultError.unsupportedOperation();
        }
    }

    private Reply uiMount(String path, Acl acl) {
        Map.Entry<String, SecretsEngine> mount = mountFor(path);
        if (mount == null || !acl.anyAccessUnder(mount.getKey())) {
            String asked = path.endsWith("/") ? path : path + "/";
            throw new VaultError(403, "preflight capability check returned 403, please ensure client's policies grant "
                    + "access to path \"" + asked + "\"");
        }
        return Reply.data(mountInfo(mount.getKey(), mount.getValue()));
    }

    private Map<String, Object> mountTable() {
        Map<String, Object> table = new LinkedHashMap<>();
        mounts.forEach((path, engine) -> table.put(path, mountInfo(path, engine)));
        return table;
    }

    private static Map<String, Object> mountInfo(String path, SecretsEngine engine) {
        return Json.fields(
                "accessor", engine.type() + "_" + Integer.toHexString(path.hashCode()),
                "config", Json.fields("default_lease_ttl", 0, "force_no_cache", false, "max_lease_ttl", 0),
                "description", "",
                "external_entropy_access", false,
                "local", false,
                "options", engine.options(),
                "path", path,
                "plugin_version", "",
                "running_plugin_version", "",
                "running_sha256", "",
                "seal_wrap", false,
                "type", engine.type(),
                "uuid", UUID.nameUUIDFromBytes(path.getBytes()).toString());
    }

    private Reply health(VaultRequest request) {
        if (!request.method().equals("GET") && !request.method().equals("HEAD")) {
            throw new VaultError(405);
        }
        return new Reply(sealed ? 503 : 200, Json.fields(
                "initialized", true,
                "sealed", sealed,
                "standby", false,
                "performance_standby", false,
                "replication_performance_mode", "disabled",
                "replication_dr_mode", "disabled",
                "server_time_utc", clock.instant().getEpochSecond(),
                "version", VERSION,
                "cluster_name", "vault-cluster-test",
                "cluster_id", clusterId));
    }

    private Reply unseal(VaultRequest request) {
        requireWrite(request);
        if (Boolean.parseBoolean(request.param("reset"))) {
            return new Reply(200, sealStatus());
        }
        String key = request.param("key");
        if (key == null || key.isEmpty()) {
            throw VaultError.badRequest("'key' must be specified in request body as JSON, or 'reset' set to true");
        }
        if (!key.equals(unsealKey)) {
            throw VaultError.badRequest("Unseal failed, invalid key");
        }
        sealed = false;
        return new Reply(200, sealStatus());
    }

    private Map<String, Object> sealStatus() {
        return Json.fields("type", "shamir", "initialized", true, "sealed", sealed, "t", 1, "n", 1, "progress", 0,
                "nonce", "", "version", VERSION, "build_date", "2023-03-01T14:58:13Z", "migration", false,
                "cluster_name", "vault-cluster-test", "cluster_id", clusterId, "recovery_seal", false,
                "storage_type", "inmem");
    }

    private Map.Entry<String, SecretsEngine> mountFor(String path) {
        String withSlash = path.endsWith("/") ? path : path + "/";
        Map.Entry<String, SecretsEngine> candidate = mounts.floorEntry(withSlash);
        while (candidate != null) {
            if (withSlash.startsWith(candidate.getKey())) {
                return candidate;
            }
            candidate = mounts.lowerEntry(candidate.getKey());
        }
        return null;
    }

    private AuthBackend newAuthBackend(String type, String mount) {
        return switch (type == null ? "" : type) {
            case "approle" -> new AppRoleBackend(mount, tokens);
            case "kubernetes" -> new KubernetesBackend(mount, tokens, clock);
            case "jwt" -> new JwtBackend(mount, tokens, clock);
            case "cert" -> new CertBackend(mount, tokens, clock);
            default -> throw VaultError.badRequest("plugin not found in the catalog: " + type);
        };
    }

    /** The enabled auth method whose mount {@code path} is below ({@code auth/<mount>...}), the longest first. */
    private Map.Entry<String, AuthBackend> authMountFor(String path) {
        Map.Entry<String, AuthBackend> best = null;
        for (Map.Entry<String, AuthBackend> mount : authMounts.entrySet()) {
            if ((path + "/").startsWith("auth/" + mount.getKey())
                    && (best == null || mount.getKey().length() > best.getKey().length())) {
                best = mount;
            }
        }
        return best;
    }

    private static void requireWrite(VaultRequest request) {
        if (request.operation() != Operation.CREATE && request.operation() != Operation.UPDATE) {
            throw VaultError.unsupportedOperation();
        }
    }

    private static String relative(String path, String mount) {
        return path.length() <= mount.length() ? "" : path.substring(mount.length());
    }

    private static String normalizeMount(String path) {
        String trimmed = path.replaceAll("^/+|/+$", "");
        return trimmed + "/";
    }
}
