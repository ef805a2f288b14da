package io.github.vaultsni.vaulttest;

import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The capabilities a set of policies grants, decided as Vault decides them: rules with the same path pattern
 * are merged (union; {@code deny} in any of them denies); an exact pattern beats a glob; among matching globs
 * ({@code *} as the last character = prefix, {@code +} = one segment) the most specific one wins; nothing
 * matching denies.
 */
final class Acl {
    private final boolean root;
    private final Map<String, Set<String>> rules = new HashMap<>();

    Acl(Collection<Policy> policies, boolean root) {
        this.root = root;
        for (Policy p : policies) {
            p.paths().forEach((pattern, caps) -> rules.computeIfAbsent(pattern, k -> new HashSet<>()).addAll(caps));
        }
    }

    boolean allows(String path, String capability) {
        if (root) {
            return true;
        }
        Set<String> caps = capabilities(path);
        return !caps.contains("deny") && caps.contains(capability);
    }

    /** Whether any rule grants anything under {@code mountPath}, as {@code sys/internal/ui/mounts} asks. */
    boolean anyAccessUnder(String mountPath) {
        if (root) {
            return true;
        }
        return rules.entrySet().stream().anyMatch(e -> !e.getValue().contains("deny")
                && (e.getKey().startsWith(mountPath) || mountPath.startsWith(stripGlob(e.getKey()))));
    }

    private Set<String> capabilities(String path) {
        Set<String> exact = rules.get(path);
        if (exact != null && !isGlob(path)) {
            return exact;
        }
        Optional<String> best = rules.keySet().stream()
                .filter(Acl::isGlob)
                .filter(pattern -> matches(pattern, path))
                .max(Acl::morePrecise);
        return best.map(rules::get).orElse(Set.of());
    }

    private static boolean isGlob(String pattern) {
        return pattern.endsWith("*") || pattern.contains("+");
    }

    private static String stripGlob(String pattern) {
        int plus = pattern.indexOf('+');
        String p = plus >= 0 ? pattern.substring(0, plus) : pattern;
        return p.endsWith("*") ? p.substring(0, p.length() - 1) : p;
    }

    static boolean matches(String pattern, String path) {
        boolean prefix = pattern.endsWith("*");
        String[] pat = (prefix ? pattern.substring(0, pattern.length() - 1) : pattern).split("/", -1);
        String[] seg = path.split("/", -1);
        for (int i = 0; i < pat.length; i++) {
            boolean last = i == pat.length - 1;
            if (i >= seg.length) {
                return false;
            }
            if (pat[i].equals("+")) {
                continue;
            }
            if (last && prefix) {
                return seg[i].startsWith(pat[i]);
            }
            if (!pat[i].equals(seg[i])) {
                return false;
            }
        }
        return prefix || pat.length == seg.length;
    }

    /**
     * Vault's priority between two matching globs (vault/policy.go): the later first wildcard wins; then a
     * pattern not ending in {@code *}; then fewer {@code +}; then the longer; then the lexically greater.
     */
    private static int morePrecise(String a, String b) {
        return Comparator.<String>comparingInt(Acl::firstWildcard)
                .thenComparing(p -> !p.endsWith("*"))
                .thenComparing(p -> -p.chars().filter(c -> c == '+').count())
                .thenComparingInt(String::length)
                .thenComparing(Comparator.naturalOrder())
                .compare(a, b);
    }

    private static int firstWildcard(String pattern) {
        int plus = pattern.indexOf('+');
        int star = pattern.endsWith("*") ? pattern.length() - 1 : Integer.MAX_VALUE;
        return Math.min(plus < 0 ? Integer.MAX_VALUE : plus, star);
    }
}
