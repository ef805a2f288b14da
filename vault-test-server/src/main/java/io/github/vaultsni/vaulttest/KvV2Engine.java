package io.github.vaultsni.vaulttest;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * KV version 2: versioned secrets under {@code data/}, {@code metadata/}, {@code delete/}, {@code undelete/}
 * and {@code destroy/}, with soft delete and check-and-set.
 */
final class KvV2Engine implements SecretsEngine {
    private static final List<String> INVALID_PATH_WARNING = List.of("Invalid path for a versioned K/V secrets engine. "
            + "See the API docs for the appropriate API endpoints to use. If using the Vault CLI, use 'vault kv get' "
            + "for this operation.");

    /** One version of a secret; {@code data} is null once destroyed. */
    private static final class Version {
        Map<String, Object> data;
        final Instant created;
        Instant deleted;
        boolean destroyed;

        Version(Map<String, Object> data, Instant created) {
            this.data = data;
            this.created = created;
        }

        boolean readable() {
            return deleted == null && !destroyed;
        }
    }

    private static final class Secret {
        final Instant created;
        Instant updated;
        final NavigableMap<Integer, Version> versions = new TreeMap<>();

        Secret(Instant created) {
            this.created = created;
            this.updated = created;
        }

        int current() {
            return versions.isEmpty() ? 0 : versions.lastKey();
        }
    }

    private final NavigableMap<String, Secret> secrets = new ConcurrentSkipListMap<>();
    private final Clock clock;

    KvV2Engine(Clock clock) {
        this.clock = clock;
    }

    @Override
    public String type() {
        return "kv";
    }

    @Override
    public Map<String, String> options() {
        return Map.of("version", "2");
    }

    @Override
    public boolean exists(String relativePath) {
        int slash = relativePath.indexOf('/');
        return slash > 0 && secrets.containsKey(relativePath.substring(slash + 1));
    }

    @Override
    public synchronized Reply handle(VaultRequest request, String relativePath) {
        int slash = relativePath.indexOf('/');
        String area = slash < 0 ? relativePath : relativePath.substring(0, slash);
        String path = slash < 0 ? "" : relativePath.substring(slash + 1);
        Operation op = request.operation();
        return switch (area) {
            case "data" -> switch (op) {
                case READ -> read(path, request.query().get("version"));
                case CREATE, UPDATE -> write(path, request.body());
                case PATCH -> patch(path, request);
                case DELETE -> markDeleted(path, null);
                case LIST -> throw VaultError.unsupportedOperation();
            };
            case "metadata" -> switch (op) {
                case READ -> metadata(path);
                case LIST -> KvV1Engine.list(secrets, path);
                case DELETE -> {
                    secrets.remove(path);
                    yield Reply.noContent();
                }
                default -> throw VaultError.unsupportedOperation();
            };
            case "delete" -> requireWrite(op, () -> markDeleted(path, versions(request)));
            case "undelete" -> requireWrite(op, () -> undelete(path, versions(request)));
            case "destroy" -> requireWrite(op, () -> destroy(path, versions(request)));
            default -> Reply.envelope(404, null, 0, null, INVALID_PATH_WARNING);
        };
    }

    private static Reply requireWrite(Operation op, java.util.function.Supplier<Reply> action) {
        if (op != Operation.CREATE && op != Operation.UPDATE) {
            throw VaultError.unsupportedOperation();
        }
        return action.get();
    }

    private Reply read(String path, String versionParam) {
        Secret secret = secrets.get(path);
        if (secret == null || secret.versions.isEmpty()) {
            throw VaultError.notFound();
        }
        int wanted = versionParam == null || versionParam.isEmpty() ? 0 : parseInt(versionParam, "version");
        int number = wanted == 0 ? secret.current() : wanted;
        Version version = secret.versions.get(number);
        if (version == null) {
            throw VaultError.notFound();
        }
        Map<String, Object> body = Json.fields("data", version.readable() ? version.data : null,
                "metadata", versionMetadata(number, version));
        return version.readable() ? Reply.data(body) : Reply.envelope(404, body, 0, null, null);
    }

    private Reply write(String path, Map<String, Object> body) {
        if (!(body.get("data") instanceof Map<?, ?> data)) {
            throw VaultError.badRequest("no data provided");
        }
        Secret secret = secrets.get(path);
        int current = secret == null ? 0 : secret.current();
        if (body.get("options") instanceof Map<?, ?> options && options.get("cas") != null
                && parseInt(options.get("cas").toString(), "cas") != current) {
            throw VaultError.badRequest("check-and-set parameter did not match the current version");
        }
        Instant now = clock.instant();
        if (secret == null) {
            secret = new Secret(now);
            secrets.put(path, secret);
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> copy = new LinkedHashMap<>((Map<String, Object>) data);
        Version version = new Version(copy, now);
        secret.versions.put(current + 1, version);
        secret.updated = now;
        return Reply.data(versionMetadata(current + 1, version));
    }

    private Reply patch(String path, VaultRequest request) {
        if (!"application/merge-patch+json".equals(request.contentType())) {
            throw new VaultError(415, "PATCH requires Content-Type of application/merge-patch+json, provided "
                    + (request.contentType() == null ? "" : request.contentType()));
        }
        Secret secret = secrets.get(path);
        Version latest = secret == null ? null : secret.versions.get(secret.current());
        if (latest == null || !latest.readable()) {
            throw VaultError.notFound();
        }
        if (!(request.body().get("data") instanceof Map<?, ?> changes)) {
            throw VaultError.badRequest("no data provided");
        }
        Map<String, Object> merged = new LinkedHashMap<>(latest.data);
        changes.forEach((k, v) -> {
            if (v == null) {
                merged.remove(k.toString());
            } else {
                merged.put(k.toString(), v);
            }
        });
        return write(path, Map.of("data", merged));
    }

    private Reply markDeleted(String path, List<Integer> numbers) {
        Secret secret = secrets.get(path);
        if (secret != null) {
            for (int n : numbers == null ? List.of(secret.current()) : numbers) {
                Version v = secret.versions.get(n);
                if (v != null && v.deleted == null) {
                    v.deleted = clock.instant();
                }
            }
        }
        return Reply.noContent();
    }

    private Reply undelete(String path, List<Integer> numbers) {
        Secret secret = secrets.get(path);
        if (secret != null) {
            numbers.forEach(n -> secret.versions.computeIfPresent(n, (k, v) -> {
                v.deleted = null;
                return v;
            }));
        }
        return Reply.noContent();
    }

    private Reply destroy(String path, List<Integer> numbers) {
        Secret secret = secrets.get(path);
        if (secret != null) {
            numbers.forEach(n -> secret.versions.computeIfPresent(n, (k, v) -> {
                v.destroyed = true;
                v.data = null;
                return v;
            }));
        }
        return Reply.noContent();
    }

    private Reply metadata(String path) {
        Secret secret = secrets.get(path);
        if (secret == null) {
            throw VaultError.notFound();
        }
        Map<String, Object> versions = new LinkedHashMap<>();
        secret.versions.forEach((n, v) -> versions.put(n.toString(), Json.fields(
                "created_time", v.created.toString(),
                "deletion_time", v.deleted == null ? "" : v.deleted.toString(),
                "destroyed", v.destroyed)));
        return Reply.data(Json.fields(
                "cas_required", false,
                "created_time", secret.created.toString(),
                "current_version", secret.current(),
                "custom_metadata", null,
                "delete_version_after", "0s",
                "max_versions", 0,
                "oldest_version", 0,
                "updated_time", secret.updated.toString(),
                "versions", versions));
    }

    private static Map<String, Object> versionMetadata(int number, Version v) {
        return Json.fields(
                "created_time", v.created.toString(),
                "custom_metadata", null,
                "deletion_time", v.deleted == null ? "" : v.deleted.toString(),
                "destroyed", v.destroyed,
                "version", number);
    }

    private static List<Integer> versions(VaultRequest request) {
        List<String> raw = Json.stringList(request.body().get("versions"));
        if (raw.isEmpty()) {
            throw VaultError.badRequest("no version number provided");
        }
        return raw.stream().map(v -> parseInt(v, "versions")).toList();
    }

    private static int parseInt(String text, String name) {
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw VaultError.badRequest("error converting input " + text + " for field \"" + name + "\"");
        }
    }
}
