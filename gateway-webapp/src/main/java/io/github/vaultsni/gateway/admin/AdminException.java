package io.github.vaultsni.gateway.admin;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** An admin API answer other than success, with APISIX's status and body. */
final class AdminException extends RuntimeException {
    final int status;
    final ObjectNode body;

    private AdminException(int status, ObjectNode body) {
        super(body.toString(), null, false, false);
        this.status = status;
        this.body = body;
    }

    /** 400 {@code {"error_msg":"invalid configuration: <what>"}}. */
    static AdminException invalid(String what) {
        return badRequest("invalid configuration: " + what);
    }

    /** 400 {@code {"error_msg": message}}. */
    static AdminException badRequest(String message) {
        return new AdminException(400, JsonNodeFactory.instance.objectNode().put("error_msg", message));
    }

    /** 404 {@code {"message":"Key not found"}}. */
    static AdminException notFound() {
        return new AdminException(404, JsonNodeFactory.instance.objectNode().put("message", "Key not found"));
    }

    /** 401 {@code {"error_msg":"failed to check token","description": why}}. */
    static AdminException unauthorized(String description) {
        return new AdminException(401, JsonNodeFactory.instance.objectNode().put("error_msg", "failed to check token")
                .put("description", description));
    }

    static AdminException of(int status, String message) {
        return new AdminException(status, JsonNodeFactory.instance.objectNode().put("error_msg", message));
    }
}
