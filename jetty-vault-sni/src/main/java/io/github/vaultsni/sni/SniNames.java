package io.github.vaultsni.sni;

import java.net.IDN;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Host names as the index keys them: lower case, no trailing dot, international names in punycode. Names are
 * normalised once, where they enter (configuration, the ClientHello), and compared as plain strings after.
 */
public final class SniNames {
    /** APISIX's check of an SSL object's SNI, applied after punycode. */
    private static final Pattern SNI = Pattern.compile("^\\*$|^\\*?[0-9a-zA-Z-._\\[\\]:]+$");

    private SniNames() {
    }

    /**
     * A configured SNI ({@code Example.COM.}, {@code *.bücher.example}, {@code *}) in index form.
     *
     * @throws IllegalArgumentException naming the SNI when it is not a host name or wildcard
     */
    public static String normalize(String sni) {
        if (sni == null || sni.isBlank()) {
            throw new IllegalArgumentException("invalid sni \"" + sni + "\": empty");
        }
        String name = stripTrailingDot(sni.trim());
        String ascii;
        try {
            ascii = name.startsWith("*.") ? "*." + IDN.toASCII(name.substring(2), IDN.ALLOW_UNASSIGNED)
                    : name.equals("*") ? name : IDN.toASCII(name, IDN.ALLOW_UNASSIGNED);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid sni \"" + sni + "\": not a host name");
        }
        ascii = ascii.toLowerCase(Locale.ROOT);
        if (!SNI.matcher(ascii).matches() || ascii.startsWith("*") && !ascii.equals("*") && !ascii.startsWith("*.")) {
            throw new IllegalArgumentException("invalid sni \"" + sni + "\": does not match " + SNI.pattern());
        }
        return ascii;
    }

    /**
     * The name a client sent ({@code SNIHostName.getAsciiName()}, already ASCII) in index form. Allocates only
     * when the name has upper case or a trailing dot.
     */
    public static String normalizeClientName(String asciiName) {
        return stripTrailingDot(asciiName).toLowerCase(Locale.ROOT);
    }

    private static String stripTrailingDot(String name) {
        return name.endsWith(".") && name.length() > 1 ? name.substring(0, name.length() - 1) : name;
    }
}
