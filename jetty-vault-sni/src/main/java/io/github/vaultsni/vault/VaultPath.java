package io.github.vaultsni.vault;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A path of Vault's HTTP API below {@code /v1/} ({@code pki/sign/gateway}, {@code kv/apisix/ssl}), held as its
 * segments, each checked when it is made: not empty, not {@code .} or {@code ..}, and only RFC 3986's unreserved
 * and sub-delimiter characters, {@code :} and {@code @}. So a user's mount, role, prefix or secret path can name
 * only what it says: {@code ../}, {@code ?}, {@code #} or {@code %} in a PKI role once made the gateway POST to
 * {@code /v1/pki/sign/../../kv/apisix/pwned} with its token. Vault requests are built from these, never by joining
 * user text. Immutable.
 */
public final class VaultPath {
    private final List<String> segments;

    private VaultPath(List<String> segments) {
        this.segments = List.copyOf(segments);
    }

    /** The path of these segments, each one segment. @throws IllegalArgumentException for one that is not */
    public static VaultPath of(String... segments) {
        for (String segment : segments) {
            requireSegment(segment, "Vault path segment");
        }
        return new VaultPath(Arrays.asList(segments));
    }

    /**
     * {@code path} ({@code a/b/c}; leading and trailing {@code /} ignored) split into checked segments; an empty path
     * is the root.
     *
     * @param what the field it came from, for the error ("issuer.vault_pki.mount")
     * @throws IllegalArgumentException naming {@code what} and the segment that is wrong
     */
    public static VaultPath parse(String path, String what) {
        String trimmed = path.replaceAll("^/+|/+$", "");
        if (trimmed.isEmpty()) {
            return new VaultPath(List.of());
        }
        List<String> segments = Arrays.asList(trimmed.split("/", -1));
        for (String segment : segments) {
            requireSegment(segment, what);
        }
        return new VaultPath(segments);
    }

    /** As {@link #parse}, refusing the root: a mount is somewhere ({@code /} once made {@code /v1/sign/<role>}). */
    public static VaultPath parseMount(String path, String what) {
        VaultPath mount = parse(path, what);
        if (mount.isEmpty()) {
            throw new IllegalArgumentException(what + ": a mount path, not the root");
        }
        return mount;
    }

    /** Whether {@code text} may be one segment of a Vault path. */
    public static boolean isSegment(String text) {
        if (text == null || text.isEmpty() || text.equals(".") || text.equals("..")) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "-._~!$&'()*+,;=:@".indexOf(c) >= 0;
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static void requireSegment(String segment, String what) {
        if (!isSegment(segment)) {
            throw new IllegalArgumentException(what + ": \"" + segment + "\" is not a Vault path segment (letters, digits"
                    + " and -._~!$&'()*+,;=:@, not . or ..)");
        }
    }

    /** This path followed by {@code more}. */
    public VaultPath resolve(VaultPath more) {
        List<String> joined = new ArrayList<>(segments);
        joined.addAll(more.segments);
        return new VaultPath(joined);
    }

    /** This path followed by these segments. @throws IllegalArgumentException for one that is not a segment */
    public VaultPath resolve(String... more) {
        return resolve(of(more));
    }

    public List<String> segments() {
        return segments;
    }

    public boolean isEmpty() {
        return segments.isEmpty();
    }

    /** The segments joined by {@code /}: what goes after {@code /v1/} (no segment needs escaping). */
    @Override
    public String toString() {
        return String.join("/", segments);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VaultPath other && segments.equals(other.segments);
    }

    @Override
    public int hashCode() {
        return segments.hashCode();
    }
}
