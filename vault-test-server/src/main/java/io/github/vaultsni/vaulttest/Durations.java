package io.github.vaultsni.vaulttest;

/** Vault's duration parameters: an integer number of seconds, or a Go-style string such as {@code 1h30m}, {@code 45s}. */
final class Durations {
    private Durations() {
    }

    /** Seconds in {@code value}, or {@code defaultSeconds} when it is absent or empty. */
    static long seconds(Object value, long defaultSeconds) {
        if (value == null) {
            return defaultSeconds;
        }
        if (value instanceof Number n) {
            return n.longValue();
        }
        String text = value.toString().trim();
        if (text.isEmpty()) {
            return defaultSeconds;
        }
        if (text.chars().allMatch(Character::isDigit)) {
            return Long.parseLong(text);
        }
        long total = 0;
        long number = -1;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isDigit(c)) {
                number = (number < 0 ? 0 : number * 10) + (c - '0');
                continue;
            }
            if (number < 0) {
                throw VaultError.badRequest("invalid duration: " + text);
            }
            total += number * switch (c) {
                case 'h' -> 3600;
                case 'm' -> 60;
                case 's' -> 1;
                case 'd' -> 86400;
                default -> throw VaultError.badRequest("invalid duration: " + text);
            };
            number = -1;
        }
        if (number >= 0) {
            throw VaultError.badRequest("invalid duration: " + text);
        }
        return total;
    }
}
