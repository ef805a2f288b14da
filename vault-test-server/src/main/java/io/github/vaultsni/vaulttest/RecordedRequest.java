package io.github.vaultsni.vaulttest;

import java.time.Instant;

/**
 * One request the server received, for tests that count fetches or check headers. It keeps whether a token
 * was sent, never the token.
 *
 * @param method    the HTTP method
 * @param path      the request path, e.g. {@code /v1/kv/apisix/ssl}
 * @param query     the raw query string, or null
 * @param namespace the {@code X-Vault-Namespace} header, or null
 * @param hadToken  whether {@code X-Vault-Token} (or a bearer token) was present
 * @param status    the status answered
 * @param at        when it arrived, by the server's clock
 * @param body      the request body as sent (UTF-8; empty for none), for tests that check what a client sent
 */
public record RecordedRequest(String method, String path, String query, String namespace, boolean hadToken,
                              int status, Instant at, String body) {
}
