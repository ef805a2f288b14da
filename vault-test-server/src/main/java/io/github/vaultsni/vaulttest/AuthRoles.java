package io.github.vaultsni.vaulttest;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The named roles of an auth method ({@code role/<name>}, or the cert method's {@code certs/<name>}): written,
 * read, deleted; names lower-cased as the methods store them.
 *
 * @param <R> the method's role
 */
final class AuthRoles<R> {
    private final Map<String, R> roles = new ConcurrentHashMap<>();
    private final BiFunction<String, VaultRequest, R> parse;
    private final Function<R, Map<String, Object>> read;

    /**
     * @param parse a role from its lower-cased name and a write (throws {@link VaultError} as the method refuses it)
     * @param read  what a read answers as {@code data}
     */
    AuthRoles(BiFunction<String, VaultRequest, R> parse, Function<R, Map<String, Object>> read) {
        this.parse = parse;
        this.read = read;
    }

    /** A write, read or delete of the role {@code name}. */
    Reply handle(VaultRequest request, String name) {
        String key = name.toLowerCase(Locale.ROOT);
        switch (request.operation()) {
            case CREATE, UPDATE -> {
                roles.put(key, parse.apply(key, request));
                return Reply.noContent();
            }
            case READ -> {
                R role = roles.get(key);
                if (role == null) {
                    throw VaultError.notFound();
                }
                return Reply.data(read.apply(role));
            }
            case DELETE -> {
                roles.remove(key);
                return Reply.noContent();
            }
            default -> throw VaultError.unsupportedOperation();
        }
    }

    /** The role {@code name} (any case), or null. */
    R get(String name) {
        return name == null ? null : roles.get(name.toLowerCase(Locale.ROOT));
    }

    /** Every role, by lower-cased name. */
    Map<String, R> all() {
        return Map.copyOf(roles);
    }
}
