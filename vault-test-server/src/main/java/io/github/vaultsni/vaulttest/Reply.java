package io.github.vaultsni.vaulttest;

import java.util.Map;
import java.util.UUID;

/** An HTTP answer: status and JSON body ({@code null} body: no content). */
record Reply(int status, Object body) {

    static Reply noContent() {
        return new Reply(204, null);
    }

    /** Vault's success envelope around {@code data}. */
    static Reply data(Object data) {
        return envelope(200, data, 0, null, null);
    }

    static Reply data(Object data, long leaseDuration) {
        return envelope(200, data, leaseDuration, null, null);
    }

    static Reply auth(Map<String, Object> auth) {
        return envelope(200, null, 0, auth, null);
    }

    static Reply envelope(int status, Object data, long leaseDuration, Map<String, Object> auth, Object warnings) {
        return new Reply(status, Json.fields(
                "request_id", UUID.randomUUID().toString(),
                "lease_id", "",
                "renewable", false,
                "lease_duration", leaseDuration,
                "data", data,
                "wrap_info", null,
                "warnings", warnings,
                "auth", auth));
    }

    /** A body that is not JSON (a DER or PEM CRL), with its content type. */
    record Raw(String contentType, byte[] bytes) {
    }

    static Reply raw(String contentType, byte[] bytes) {
        return new Reply(200, new Raw(contentType, bytes));
    }

    static Reply error(VaultError e) {
        return new Reply(e.status, Json.fields("errors", e.errors));
    }
}
