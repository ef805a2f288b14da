package io.github.vaultsni.vault;

/** Which KV engine version the secret paths live on. */
public enum KvVersion {
    /** Asked of Vault through {@code sys/internal/ui/mounts/<path>}, once per mount. */
    AUTO,
    /** KV version 1: {@code GET /v1/<mount>/<path>}. */
    V1,
    /** KV version 2: {@code GET /v1/<mount>/data/<path>}. */
    V2;

    /** {@code "auto"}, {@code 1}, {@code 2} (or {@code "1"}, {@code "2"}), as APISIX-style configuration writes it. */
    public static KvVersion of(Object value) {
        if (value == null) {
            return AUTO;
        }
        return switch (value.toString().trim().toLowerCase(java.util.Locale.ROOT)) {
            case "auto", "" -> AUTO;
            case "1", "v1" -> V1;
            case "2", "v2" -> V2;
            default -> throw new IllegalArgumentException("kv_version (" + value + ") must be 1, 2 or auto");
        };
    }
}
