package io.github.vaultsni.boot.actuate;

import io.github.vaultsni.registry.SslObjectRegistry;
import io.github.vaultsni.registry.SniEntryStatus;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@code /actuator/sslobjects}: every certificate entry's status as the gateway's
 * {@code /apisix/admin/ssls/{id}/status} answers it ({@link SniEntryStatus#toMap()}), listed as its admin API
 * lists ({@code {"list": [...], "total": n}}); {@code /actuator/sslobjects/{id}} one of them, 404 when there is
 * none. Read-only; no secret in any of it.
 */
@Endpoint(id = "sslobjects")
public final class SslObjectsEndpoint {
    private final SslObjectRegistry registry;

    public SslObjectsEndpoint(SslObjectRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    @ReadOperation
    public Map<String, Object> sslObjects() {
        List<Map<String, Object>> list = registry.status().stream().map(SniEntryStatus::toMap).toList();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("list", list);
        out.put("total", list.size());
        return out;
    }

    @ReadOperation
    public Map<String, Object> sslObject(@Selector String id) {
        return registry.status(id).map(SniEntryStatus::toMap).orElse(null);
    }
}
