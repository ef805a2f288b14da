package io.github.vaultsni.gateway.admin;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** An admin API answer other than success, with APISIX's status and body. */
final class AdminException extends RuntimeException {
    final int status;
    final ObjectNode body;
    /** The {@code Retry-After} seconds of a 429, else 0. */
    final long retryAfterSeconds;

    private AdminException(int status, ObjectNode body) {
        this(status, body, 0);
    }

    private AdminException(int status, ObjectNode body, long retryAfterSeconds) {
        super(body.toString(), null, false, false);
        this.status = status;
        this.body = body;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** 429 for a client past its refused calls ({@link FailedAdminCalls}), with {@code Retry-After}. */
    static AdminException tooManyRefusals(long retryAfterSeconds) {
        return new AdminException(429, JsonNodeFactory.instance.objectNode().put("error_msg",
                "too many refused admin calls from this client: retry in " + retryAfterSeconds + " s"), retryAfterSeconds);
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
