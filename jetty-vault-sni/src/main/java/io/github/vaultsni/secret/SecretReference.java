package io.github.vaultsni.secret;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * A pointer to a secret value, as APISIX writes them in SSL objects and secret configuration:
 * <ul>
 *   <li>{@code $secret://<manager>/<id>/<path...>/<field>}: the manager type (e.g. {@code vault}) and the id of
 *       the secret object are the first two segments; the rest splits at its <em>last</em> {@code /} into the
 *       secret path (relative to the secret object's prefix) and the field. So
 *       {@code $secret://vault/quickstart-secret-id/ssl/test.com.crt} reads field {@code test.com.crt} of
 *       secret {@code ssl}.</li>
 *   <li>{@code $env://NAME} or {@code $env://NAME/field}: an environment variable, or one field of the JSON
 *       object it holds.</li>
 * </ul>
 * The scheme is case-insensitive. A reference is not itself secret, so {@link #toString()} prints it.
 */
public final class SecretReference {
    private static final String SECRET = "$secret://";
    private static final String ENV = "$env://";

    /** Where a reference points. */
    public enum Scheme { SECRET, ENV }

    private final Scheme scheme;
    private final SecretLocation location;
    private final String field;

    private SecretReference(Scheme scheme, SecretLocation location, String field) {
        this.scheme = scheme;
        this.location = location;
        this.field = field;
    }

    /** The {@code $secret://} reference to one field of a location. */
    static SecretReference secret(SecretLocation location, String field) {
        return new SecretReference(Scheme.SECRET, location, Objects.requireNonNull(field, "field"));
    }

    /** Whether {@code value} is written as a reference ({@code $secret://} or {@code $env://}, any case). */
    public static boolean isReference(String value) {
        return value != null && (startsWithIgnoreCase(value, SECRET) || startsWithIgnoreCase(value, ENV));
    }

    /**
     * Parses a reference.
     *
     * @throws IllegalArgumentException naming what is wrong, e.g.
     *         {@code "invalid secret reference $secret://vault/x: expected $secret://<manager>/<id>/<path>/<field>"}
     */
    public static SecretReference parse(String text) {
        Objects.requireNonNull(text, "reference");
        if (startsWithIgnoreCase(text, SECRET)) {
            return parseSecret(text, text.substring(SECRET.length()));
        }
        if (startsWithIgnoreCase(text, ENV)) {
            return parseEnv(text, text.substring(ENV.length()));
        }
        throw new IllegalArgumentException("not a secret reference: must start with $secret:// or $env://");
    }

    private static SecretReference parseSecret(String text, String rest) {
        String[] segments = rest.split("/", -1);
        if (segments.length < 4) {
            throw invalid(text, "expected $secret://<manager>/<id>/<path>/<field>");
        }
        for (String segment : segments) {
            if (segment.isEmpty()) {
                throw invalid(text, "empty path segment");
            }
        }
        int lastSlash = rest.lastIndexOf('/');
        int pathStart = segments[0].length() + 1 + segments[1].length() + 1;
        SecretLocation location = new SecretLocation(segments[0].toLowerCase(Locale.ROOT), segments[1],
                rest.substring(pathStart, lastSlash));
        return new SecretReference(Scheme.SECRET, location, rest.substring(lastSlash + 1));
    }

    private static SecretReference parseEnv(String text, String rest) {
        int slash = rest.indexOf('/');
        String name = slash < 0 ? rest : rest.substring(0, slash);
        String field = slash < 0 ? null : rest.substring(slash + 1);
        if (name.isEmpty()) {
            throw invalid(text, "missing environment variable name");
        }
        if (field != null && field.isEmpty()) {
            throw invalid(text, "empty field after the variable name");
        }
        return new SecretReference(Scheme.ENV, new SecretLocation("env", "", name), field);
    }

    private static IllegalArgumentException invalid(String text, String why) {
        return new IllegalArgumentException("invalid secret reference " + text + ": " + why);
    }

    private static boolean startsWithIgnoreCase(String value, String prefix) {
        return value.regionMatches(true, 0, prefix, 0, prefix.length());
    }

    public Scheme scheme() {
        return scheme;
    }

    /** The secret this reference reads a field of; for {@code $env://}, manager {@code env} and the variable name as path. */
    public SecretLocation location() {
        return location;
    }

    /** The field: always present for {@code $secret://}; for {@code $env://}, present only for JSON values. */
    public Optional<String> field() {
        return Optional.ofNullable(field);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SecretReference r && scheme == r.scheme && location.equals(r.location)
                && Objects.equals(field, r.field);
    }

    @Override
    public int hashCode() {
        return Objects.hash(scheme, location, field);
    }

    /** The canonical text: {@code $secret://vault/id/path/field} or {@code $env://NAME[/field]}. */
    @Override
    public String toString() {
        if (scheme == Scheme.ENV) {
            return ENV + location.path() + (field == null ? "" : "/" + field);
        }
        return SECRET + location.manager() + "/" + location.id() + "/" + location.path() + "/" + field;
    }
}
