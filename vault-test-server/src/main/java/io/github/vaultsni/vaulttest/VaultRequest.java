package io.github.vaultsni.vaulttest;

import java.util.Map;

/**
 * One API request as the handlers see it. {@code path} is what follows {@code /v1/}, without a leading slash;
 * {@code token} is from {@code X-Vault-Token} or {@code Authorization: Bearer}.
 */
record VaultRequest(String method, Operation operation, String path, Map<String, String> query,
                    Map<String, Object> body, String contentType, String token, String namespace) {

    VaultRequest withOperation(Operation op) {
        return new VaultRequest(method, op, path, query, body, contentType, token, namespace);
    }

    String param(String name) {
        Object value = body.get(name);
        return value == null ? query.get(name) : value.toString();
    }
}
