package io.github.vaultsni.secret;

import java.util.Objects;

/**
 * One secret in one secret manager: what a single fetch reads. Several references (one per field, such as a
 * certificate and its key) share a location, so they share one fetch and one cache entry.
 *
 * @param manager the manager type, lower case ({@code vault})
 * @param id      the secret object's id ({@code quickstart-secret-id})
 * @param path    the secret's path below the secret object's prefix ({@code ssl})
 */
public record SecretLocation(String manager, String id, String path) {
    public SecretLocation {
        Objects.requireNonNull(manager, "manager");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(path, "path");
    }

    /** {@code vault/quickstart-secret-id}: the secret object this location belongs to. */
    public String secretObject() {
        return manager + "/" + id;
    }

    @Override
    public String toString() {
        return manager + "/" + id + "/" + path;
    }
}
