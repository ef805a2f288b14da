package io.github.vaultsni.gateway.proxy;

/**
 * The gateway's own answer to a request instead of an upstream's: a status and, when the status's own words
 * ({@link ProxyErrors}) would not say enough, a message. Made where a request is refused (as it is read, or when
 * no route, rule or node takes it) and written by the door.
 *
 * @param status  the status answered
 * @param message the {@code error_msg}, or null for the status's own ({@code "404 Route Not Found"}, ...)
 */
public record Refusal(int status, String message) {

    /** A refusal with the status's own words. */
    static Refusal of(int status) {
        return new Refusal(status, null);
    }
}
