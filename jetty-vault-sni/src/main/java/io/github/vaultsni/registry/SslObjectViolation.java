package io.github.vaultsni.registry;

import java.util.Objects;

/**
 * One reason an SSL object cannot be used, typed so each front door words it its own way (the admin API as
 * APISIX does, the module's bindings file and Boot's properties naming their own keys), while the rule itself
 * lives once, in {@link SniEntrySpec} and {@link SslObject}. Never holds a secret: a PEM's text is never quoted.
 *
 * @param kind   what is wrong
 * @param field  the field at fault, as APISIX names it: {@code cert}, {@code keys[1]}, {@code client.ca},
 *               {@code issuer.vault_pki.role}, ...
 * @param detail what is wrong with it, in a few words
 */
public record SslObjectViolation(Kind kind, String field, String detail) {

    /** What is wrong. */
    public enum Kind {
        /** A required field is missing ({@code cert} and {@code key}, or an issuer's {@code role}). */
        MISSING,
        /** Fields that exclude each other are both set (an issuer with certificates). */
        CONFLICT,
        /** {@code certs} and {@code keys} differ in number. */
        MISMATCHED_PAIRS,
        /** An inline certificate (chain) does not parse. */
        BAD_CERTIFICATE,
        /** An inline private key does not parse. */
        BAD_KEY,
        /** A private key does not belong to its certificate. */
        KEY_MISMATCH,
        /** A {@code $secret://} or {@code $env://} reference is malformed. */
        BAD_REFERENCE,
        /** Any other value that cannot be used (a name, a pattern, a duration, a bound). */
        BAD_VALUE
    }

    public SslObjectViolation {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(field, "field");
        Objects.requireNonNull(detail, "detail");
    }

    /** {@code <field>: <detail>}, or the detail alone when it starts with the field's name. */
    public String message() {
        return detail.startsWith(field) ? detail : field + ": " + detail;
    }

    @Override
    public String toString() {
        return kind + " " + message();
    }
}
