package io.github.vaultsni.gateway.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A service: APISIX's schema ({@code schema/service.json}), then its code ({@code apisix/admin/services.lua}): an
 * inline upstream gets the upstream's checks, an {@code upstream_id} must exist, each plugin its own schema. And
 * ours, as for routes: {@code script} (Lua) is refused, and plugins other than prometheus.
 */
final class ServiceValidator implements Validator {
    private final UpstreamValidator upstreams = new UpstreamValidator();

    @Override
    public void validate(ObjectNode service, Lookup lookup) {
        JsonSchemas.apisix().check("service.json", service);
        if (service.has("script")) {
            throw AdminException.invalid("property \"script\" is not supported by this gateway: it is Lua, which this "
                    + "gateway does not run");
        }
        if (service.has("upstream")) {
            upstreams.checkInCode((ObjectNode) service.get("upstream"), lookup);
        }
        References.mustExist(service, "upstream_id", Resource.UPSTREAMS, lookup);
        AdminCatalog.checkPlugins(service.path("plugins"));
    }
}
