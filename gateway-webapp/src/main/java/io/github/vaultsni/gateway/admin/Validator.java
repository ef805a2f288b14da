package io.github.vaultsni.gateway.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Optional;

/** Checks one resource kind's object before it is stored; throws {@link AdminException} naming the field. */
interface Validator {

    /** How validators find other objects, e.g. the SSL object an upstream's {@code tls.client_cert_id} names. */
    interface Lookup {
        Optional<ObjectNode> find(Resource resource, String id);
    }

    void validate(ObjectNode value, Lookup lookup);
}
