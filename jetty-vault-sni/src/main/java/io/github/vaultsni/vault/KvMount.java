package io.github.vaultsni.vault;

/**
 * The KV mount a secret path lives in.
 *
 * @param path    the mount path with its trailing slash ({@code kv/}, {@code team/kv/})
 * @param version 1 or 2
 */
record KvMount(String path, int version) {

    /** Path segments in the mount: what the driver calls {@code prefixPathDepth}. */
    int depth() {
        return (int) path.chars().filter(c -> c == '/').count();
    }

    /** The mount of {@code fullPath} when it cannot be asked: its first segment. */
    static KvMount firstSegment(VaultPath fullPath, int version) {
        return new KvMount(fullPath.segments().get(0) + "/", version);
    }
}
