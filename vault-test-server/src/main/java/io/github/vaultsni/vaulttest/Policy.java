package io.github.vaultsni.vaulttest;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An ACL policy in Vault's HCL form, the subset real policies use:
 * {@code path "kv/apisix/*" { capabilities = ["read", "list"] }}, comments with {@code #} or {@code //}.
 */
record Policy(String name, String rules, Map<String, Set<String>> paths) {
    private static final Pattern RULE = Pattern.compile(
            "path\\s+\"([^\"]*)\"\\s*\\{\\s*capabilities\\s*=\\s*\\[([^\\]]*)]\\s*}", Pattern.DOTALL);
    private static final Set<String> CAPABILITIES =
            Set.of("create", "read", "update", "patch", "delete", "list", "sudo", "deny");

    static Policy parse(String name, String rules) {
        String text = rules.replaceAll("(?m)(#|//).*$", "");
        Map<String, Set<String>> paths = new LinkedHashMap<>();
        Matcher m = RULE.matcher(text);
        int end = 0;
        while (m.find()) {
            if (!text.substring(end, m.start()).isBlank()) {
                throw VaultError.badRequest("failed to parse policy: unexpected text before path \"" + m.group(1) + "\"");
            }
            Set<String> caps = new LinkedHashSet<>();
            for (String cap : Json.stringList(m.group(2))) {
                String c = cap.replace("\"", "").trim();
                if (!CAPABILITIES.contains(c)) {
                    throw VaultError.badRequest("failed to parse policy: invalid capability \"" + c + "\"");
                }
                caps.add(c);
            }
            paths.computeIfAbsent(m.group(1), p -> new LinkedHashSet<>()).addAll(caps);
            end = m.end();
        }
        if (!text.substring(end).isBlank()) {
            throw VaultError.badRequest("failed to parse policy: unexpected text after the last path block");
        }
        return new Policy(name, rules, paths);
    }

    /** Vault's built-in {@code default} policy, reduced to the token endpoints every token may call. */
    static Policy defaultPolicy() {
        return parse("default", """
                path "auth/token/lookup-self" { capabilities = ["read"] }
                path "auth/token/renew-self" { capabilities = ["update"] }
                path "auth/token/revoke-self" { capabilities = ["update"] }
                """);
    }

    static List<String> builtIn() {
        return List.of("default", "root");
    }
}
