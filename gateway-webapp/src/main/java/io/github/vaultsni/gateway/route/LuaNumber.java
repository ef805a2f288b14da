package io.github.vaultsni.gateway.route;

/**
 * Lua's {@code tonumber} of a string, which APISIX applies to what it compares as numbers: {@code vars}' {@code >}
 * and {@code ==} against a number, the admin API's {@code page}, {@code page_size} and {@code ttl}.
 */
public final class LuaNumber {
    private LuaNumber() {
    }

    /** Decimal (with exponent) or hex ({@code 0x1f}), spaces around allowed; null when the text is not a number. */
    public static Double parse(String text) {
        if (text == null) {
            return null;
        }
        String t = text.strip();
        if (t.isEmpty()) {
            return null;
        }
        try {
            boolean negative = t.startsWith("-");
            String digits = negative || t.startsWith("+") ? t.substring(1) : t;
            if (digits.startsWith("0x") || digits.startsWith("0X")) {
                double hex = Long.parseLong(digits.substring(2), 16);
                return negative ? -hex : hex;
            }
            char last = t.charAt(t.length() - 1);
            if (!Character.isDigit(last) && last != '.') {
                return null; // Java reads "1d", "1f", "Infinity", "NaN"; Lua does not
            }
            return Double.parseDouble(t);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
