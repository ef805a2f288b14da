package io.github.vaultsni.gateway.admin;

import io.github.vaultsni.gateway.store.StoredKind;

import java.util.Optional;

/**
 * The kinds of objects the admin API manages: what its paths and messages call them and how they are validated;
 * where they live in the store and which fields are secret is their {@link StoredKind}'s.
 */
public enum Resource {
    SSLS("ssls", "ssl", StoredKind.SSLS, "ssl.json", new SslValidator()),
    ROUTES("routes", "route", StoredKind.ROUTES, "route.json", new RouteValidator(), "service_id", "upstream_id"),
    UPSTREAMS("upstreams", "upstream", StoredKind.UPSTREAMS, "upstream.json", new UpstreamValidator()),
    SERVICES("services", "service", StoredKind.SERVICES, "service.json", new ServiceValidator()),
    SECRETS("secrets/vault", "secret", StoredKind.SECRETS, "secret-vault.json", new SecretValidator());

    final String path;
    final String singular;
    final StoredKind stored;
    /** Its JSON Schema's file ({@link JsonSchemas}). */
    final String schema;
    final Validator validator;
    /** The fields a list may be filtered on with {@code ?filter=field%3Dvalue} (APISIX's list_filter_fields). */
    final java.util.Set<String> filterFields;

    Resource(String path, String singular, StoredKind stored, String schema, Validator validator, String... filterFields) {
        this.path = path;
        this.singular = singular;
        this.stored = stored;
        this.schema = schema;
        this.validator = validator;
        this.filterFields = java.util.Set.of(filterFields);
    }

    /** The resource named by an admin path's first segments ({@code ssls}, {@code secrets/vault}). */
    static Optional<Resource> ofPath(String path) {
        for (Resource r : values()) {
            if (path.equals(r.path)) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }

    String key(String id) {
        return stored.key(id);
    }

    /** The {@code id} inside the value: {@code vault/<id>} for secrets, as APISIX stores it. */
    String valueId(String id) {
        return this == SECRETS ? "vault/" + id : id;
    }

    /** The resource whose store key {@code key} is. */
    static Resource ofKey(String key) {
        for (Resource r : values()) {
            if (r.stored.holds(key)) {
                return r;
            }
        }
        throw new IllegalStateException("no resource for key " + key);
    }
}
