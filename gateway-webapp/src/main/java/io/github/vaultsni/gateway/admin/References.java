package io.github.vaultsni.gateway.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** An object's reference to another ({@code upstream_id}, {@code service_id}) must name one that exists. */
final class References {
    private References() {
    }

    /** APISIX's refusal when {@code field} names no stored {@code target}: "failed to fetch X info by X id [..]". */
    static void mustExist(ObjectNode value, String field, Resource target, Validator.Lookup lookup) {
        if (value.has(field) && lookup.find(target, value.get(field).asText()).isEmpty()) {
            throw AdminException.badRequest("failed to fetch " + target.singular + " info by " + target.singular
                    + " id [" + value.get(field).asText() + "], response code: 404");
        }
    }
}
