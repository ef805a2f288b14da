package io.github.vaultsni.vaulttest;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListMap;

/** KV version 1: one map of fields per path, no versions. */
final class KvV1Engine implements SecretsEngine {
    /** 768h, what a KV v1 read reports when the secret has no {@code ttl} or {@code lease} field. */
    private static final long DEFAULT_LEASE = 2_764_800;

    private final NavigableMap<String, Map<String, Object>> secrets = new ConcurrentSkipListMap<>();
    private final Map<String, String> options;

    KvV1Engine(Map<String, String> options) {
        this.options = options;
    }

    @Override
    public String type() {
        return "kv";
    }

    @Override
    public Map<String, String> options() {
        return options;
    }

    @Override
    public boolean exists(String relativePath) {
        return secrets.containsKey(relativePath);
    }

    @Override
    public Reply handle(VaultRequest request, String path) {
        return switch (request.operation()) {
            case READ -> read(path);
            case LIST -> KvV1Engine.list(secrets, path);
            case CREATE, UPDATE -> write(path, request.body());
            case DELETE -> {
                secrets.remove(path);
                yield Reply.noContent();
            }
            case PATCH -> throw VaultError.unsupportedOperation();
        };
    }

    private Reply read(String path) {
        Map<String, Object> data = secrets.get(path);
        if (data == null) {
            throw VaultError.notFound();
        }
        Object ttl = data.containsKey("ttl") ? data.get("ttl") : data.get("lease");
        return Reply.data(data, Durations.seconds(ttl, DEFAULT_LEASE));
    }

    private Reply write(String path, Map<String, Object> body) {
        if (body.isEmpty()) {
            throw VaultError.badRequest("missing data fields");
        }
        secrets.put(path, new LinkedHashMap<>(body));
        return Reply.noContent();
    }

    /** The immediate children of {@code folder} (sub-folders end in {@code /}); none is a 404. */
    static Reply list(NavigableMap<String, ?> entries, String folder) {
        String prefix = folder.isEmpty() || folder.endsWith("/") ? folder : folder + "/";
        TreeSet<String> keys = new TreeSet<>();
        for (String key : entries.tailMap(prefix, true).keySet()) {
            if (!key.startsWith(prefix)) {
                break;
            }
            String rest = key.substring(prefix.length());
            int slash = rest.indexOf('/');
            keys.add(slash < 0 ? rest : rest.substring(0, slash + 1));
        }
        if (keys.isEmpty()) {
            throw VaultError.notFound();
        }
        return Reply.data(Json.fields("keys", keys));
    }
}
