package io.github.vaultsni.gateway.proxy;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.charset.StandardCharsets;

/**
 * The bodies of the answers the gateway gives itself instead of an upstream's, in APISIX's shape and words:
 * {@code {"error_msg":"404 Route Not Found"}}, {@code 502 Bad Gateway}, {@code 504 Gateway Timeout}. One place for
 * both doors, so they cannot word an error differently.
 */
public final class ProxyErrors {
    public static final String CONTENT_TYPE = "application/json";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] NOT_FOUND = body("404 Route Not Found");
    private static final byte[] BAD_GATEWAY = body("502 Bad Gateway");
    private static final byte[] GATEWAY_TIMEOUT = body("504 Gateway Timeout");

    private ProxyErrors() {
    }

    /**
     * The JSON body for {@code status}, with {@code message} as its {@code error_msg} (null: the status's own).
     * Shared for the common statuses: write it, never change it.
     */
    public static byte[] body(int status, String message) {
        if (message != null) {
            return body(message);
        }
        return switch (status) {
            case 404 -> NOT_FOUND;
            case 504 -> GATEWAY_TIMEOUT;
            case 502 -> BAD_GATEWAY;
            default -> body(status + " " + reason(status));
        };
    }

    private static String reason(int status) {
        return switch (status) {
            case 400 -> "Bad Request";
            case 403 -> "Forbidden";
            case 405 -> "Not Allowed";
            case 413 -> "Request Entity Too Large";
            case 431 -> "Request Header Fields Too Large";
            case 500 -> "Internal Server Error";
            case 503 -> "Service Temporarily Unavailable";
            default -> "Error";
        };
    }

    private static byte[] body(String message) {
        return JSON.createObjectNode().put("error_msg", message).toString().getBytes(StandardCharsets.UTF_8);
    }
}
