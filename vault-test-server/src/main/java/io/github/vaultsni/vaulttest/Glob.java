package io.github.vaultsni.vaulttest;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.regex.Pattern;

/** Vault's glob lists (go-secure-stdlib's StrListContainsGlob): {@code *} matches any run of characters. */
final class Glob {
    private Glob() {
    }

    static boolean anyMatches(List<String> globs, String value) {
        for (String glob : globs) {
            String regex = Arrays.stream(glob.split("\\*", -1)).map(Pattern::quote).collect(Collectors.joining(".*"));
            if (Pattern.matches(regex, value)) {
                return true;
            }
        }
        return false;
    }
}
