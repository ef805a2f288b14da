package io.github.vaultsni.vault;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.jopenlibs.vault.VaultException;
import io.github.vaultsni.secret.SecretException;
import io.github.vaultsni.secret.SecretException.Kind;

import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns what the driver reports into a {@link SecretException} with a short, safe message and its kind. The one
 * place that reads Vault's error answers: a 403 whose {@code errors} say "invalid token" is
 * {@link Kind#INVALID_TOKEN}, any other 403 {@link Kind#PERMISSION_DENIED}, a 503 "sealed" {@link Kind#SEALED};
 * callers tell them apart by kind, never by text. The driver's own messages quote whole response bodies, so they
 * are never passed on: only the status, Vault's {@code errors} strings (which never echo a token or a secret) and
 * the kind of network failure.
 */
final class VaultErrors {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String BODY_MARKER = "Response body: ";
    private static final int MAX_ERROR_TEXT = 200;

    private VaultErrors() {
    }

    /** An error answer (4xx/5xx) to {@code action} ("reading kv/apisix/ssl"). */
    static SecretException fromStatus(int status, byte[] body, String action) {
        List<String> errors = errors(body);
        String detail = errors.isEmpty() ? "" : ": " + String.join("; ", errors);
        if (status == 403) {
            if (errors.stream().anyMatch(e -> e.contains("invalid token"))) {
                return new SecretException(Kind.INVALID_TOKEN, "permission denied (403, invalid token) " + action);
            }
            // A reason beyond the bare words (a login's "namespace not authorized", "token is expired") is kept.
            List<String> reasons = errors.stream().filter(e -> !e.equals("permission denied")).toList();
            return new SecretException(Kind.PERMISSION_DENIED, "permission denied (403) " + action
                    + (reasons.isEmpty() ? "" : ": " + String.join("; ", reasons)));
        }
        if (status == 503 && errors.stream().anyMatch(e -> e.contains("sealed"))) {
            return new SecretException(Kind.SEALED, "Vault is sealed (503) " + action);
        }
        return new SecretException(Kind.BAD_RESPONSE, "Vault answered " + status + " " + action + detail);
    }

    /** A driver failure while doing {@code action} against the Vault at {@code uri}. */
    static SecretException fromException(VaultException e, String action, String uri) {
        if (e.getHttpStatusCode() > 0) {
            return fromStatus(e.getHttpStatusCode(), bodyOf(e), action);
        }
        return fromIo(e, action, uri);
    }

    /** A transport failure (no HTTP answer at all). */
    static SecretException fromIo(Throwable e, String action, String uri) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof HttpTimeoutException) {
                return new SecretException(Kind.TIMEOUT, "Vault at " + uri + " did not answer in time " + action);
            }
            if (t instanceof ConnectException) {
                return new SecretException(Kind.UNREACHABLE, "Vault at " + uri + " is unreachable (connection refused) "
                        + action);
            }
            if (t instanceof IOException) {
                return new SecretException(Kind.UNREACHABLE, "Vault at " + uri + " is unreachable ("
                        + t.getClass().getSimpleName() + ") " + action);
            }
        }
        return new SecretException(Kind.BAD_RESPONSE, "Vault request failed (" + e.getClass().getSimpleName() + ") "
                + action);
    }

    /** Vault's {@code errors} strings, each cut to a readable length. */
    private static List<String> errors(byte[] body) {
        List<String> out = new ArrayList<>();
        if (body == null || body.length == 0) {
            return out;
        }
        try {
            JsonNode errors = MAPPER.readTree(body).get("errors");
            if (errors != null && errors.isArray()) {
                errors.forEach(n -> {
                    String text = n.asText().replaceAll("\\s+", " ").trim();
                    out.add(text.length() > MAX_ERROR_TEXT ? text.substring(0, MAX_ERROR_TEXT) + "..." : text);
                });
            }
        } catch (IOException | RuntimeException notJson) {
            // Not Vault's JSON: the status alone describes it.
        }
        return out;
    }

    private static byte[] bodyOf(VaultException e) {
        String message = e.getMessage();
        int at = message == null ? -1 : message.indexOf(BODY_MARKER);
        return at < 0 ? new byte[0] : message.substring(at + BODY_MARKER.length()).getBytes(StandardCharsets.UTF_8);
    }
}
