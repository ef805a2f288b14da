package io.github.vaultsni.registry;

import java.util.List;

/**
 * An SSL object that breaks the rules: every {@link SslObjectViolation}, in the order the fields are read. Its
 * message is the first one's, prefixed with the object's id, for logs and front doors that need no more.
 */
public final class InvalidSslObjectException extends IllegalArgumentException {
    private final transient List<SslObjectViolation> violations;

    public InvalidSslObjectException(String id, List<SslObjectViolation> violations) {
        super("ssl " + id + ": " + violations.get(0).message());
        this.violations = List.copyOf(violations);
    }

    public List<SslObjectViolation> violations() {
        return violations;
    }

    /** The first violation: the one a front door that reports one reason reports. */
    public SslObjectViolation first() {
        return violations.get(0);
    }
}
