package io.github.vaultsni.gateway.store;

import java.util.Objects;

/**
 * One configuration object as stored: its key ({@code /apisix/ssls/1}), its JSON text, and the revisions at
 * which it was created and last modified (APISIX's {@code createdIndex}/{@code modifiedIndex}). Immutable.
 */
public record StoredObject(String key, String json, long createdIndex, long modifiedIndex) {
    public StoredObject {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(json, "json");
    }
}
