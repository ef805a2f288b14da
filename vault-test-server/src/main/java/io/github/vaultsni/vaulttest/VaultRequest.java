package io.github.vaultsni.vaulttest;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;

/**
 * One API request as the handlers see it. {@code path} is what follows {@code /v1/}, without a leading slash;
 * {@code token} is from {@code X-Vault-Token} or {@code Authorization: Bearer}; {@code peerCertificates} is the
 * client certificate chain the TLS connection presented (leaf first; empty: none), null over plain HTTP.
 */
record VaultRequest(String method, Operation operation, String path, Map<String, String> query,
                    Map<String, Object> body, String contentType, String token, String namespace,
                    List<X509Certificate> peerCertificates) {

    VaultRequest withOperation(Operation op) {
        return new VaultRequest(method, op, path, query, body, contentType, token, namespace, peerCertificates);
    }

    String param(String name) {
        Object value = body.get(name);
        return value == null ? query.get(name) : value.toString();
    }
}
