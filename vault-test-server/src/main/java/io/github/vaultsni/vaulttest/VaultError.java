package io.github.vaultsni.vaulttest;

import java.util.List;

/**
 * An error answer, as Vault gives it: an HTTP status and the {@code errors} array of its body.
 * Thrown anywhere in request handling and turned into {@code {"errors":[...]}} in one place.
 */
final class VaultError extends RuntimeException {
    final int status;
    final List<String> errors;

    VaultError(int status, String... errors) {
        super(status + " " + String.join("; ", errors), null, false, false);
        this.status = status;
        this.errors = List.of(errors);
    }

    static VaultError badRequest(String message) {
        return new VaultError(400, message);
    }

    static VaultError permissionDenied() {
        return new VaultError(403, "permission denied");
    }

    /** What Vault answers for an unknown, expired or revoked token: two errors folded into one string. */
    static VaultError invalidToken() {
        return new VaultError(403, "2 errors occurred:\n\t* permission denied\n\t* invalid token\n\n");
    }

    static VaultError notFound() {
        return new VaultError(404);
    }

    static VaultError noHandler(String path) {
        return new VaultError(404, "no handler for route \"" + path + "\". route entry not found.");
    }

    static VaultError unsupportedOperation() {
        return new VaultError(405, "unsupported operation");
    }

    static VaultError sealed() {
        return new VaultError(503, "Vault is sealed");
    }
}
