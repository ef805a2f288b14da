package io.github.vaultsni.gateway.route;

import com.fasterxml.jackson.databind.JsonNode;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A route's {@code remote_addr} / {@code remote_addrs} (and the {@code ipmatch} operator of {@code vars}): IPv4 and
 * IPv6 addresses and CIDR blocks, matched against the client's address as bytes, an IPv4 address never matching an
 * IPv6 block (nor the reverse), as APISIX's resty.ipmatcher. Immutable.
 */
public final class ClientAddresses {
    /** Only IP literals are parsed: {@link InetAddress#getByName} never sees a name, so never asks DNS. */
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

    private final List<Block> blocks;

    private ClientAddresses(List<Block> blocks) {
        this.blocks = blocks;
    }

    /**
     * The addresses a route's field holds: one string or an array of strings.
     *
     * @throws IllegalArgumentException naming an entry that is not an address or a CIDR block
     */
    public static ClientAddresses of(JsonNode field) {
        List<Block> blocks = new ArrayList<>();
        if (field.isTextual()) {
            blocks.add(block(field.asText()));
        } else {
            for (JsonNode entry : field) {
                if (!entry.isTextual()) {
                    throw new IllegalArgumentException("invalid ip address " + entry);
                }
                blocks.add(block(entry.asText()));
            }
        }
        if (blocks.isEmpty()) {
            throw new IllegalArgumentException("invalid ip address: none given");
        }
        return new ClientAddresses(List.copyOf(blocks));
    }

    /** Whether {@code address} (as the request model gives it) is in one of the blocks. */
    public boolean contains(String address) {
        return contains(parse(address));
    }

    /** Whether an address's bytes ({@link #parse}; null: none) are in one of the blocks. */
    public boolean contains(byte[] bytes) {
        if (bytes == null) {
            return false;
        }
        for (Block block : blocks) {
            if (block.contains(bytes)) {
                return true;
            }
        }
        return false;
    }

    /** An address as Jetty gives it ({@code 10.0.0.1}, {@code [::1]}, {@code fe80::1%eth0}) as bytes; null if not one. */
    public static byte[] parse(String address) {
        return address == null ? null : bytes(strip(address));
    }

    private static Block block(String text) {
        int slash = text.indexOf('/');
        byte[] address = bytes(slash < 0 ? text : text.substring(0, slash));
        if (address == null) {
            throw new IllegalArgumentException("invalid ip address " + text);
        }
        int bits = address.length * 8;
        if (slash >= 0) {
            String prefix = text.substring(slash + 1);
            if (!prefix.matches("\\d{1,3}") || Integer.parseInt(prefix) > bits) {
                throw new IllegalArgumentException("invalid cidr range " + text);
            }
            bits = Integer.parseInt(prefix);
        }
        return new Block(address, bits);
    }

    /** An address without brackets or zone ({@code [fe80::1%eth0]}). */
    private static String strip(String address) {
        String text = address.startsWith("[") && address.endsWith("]") ? address.substring(1, address.length() - 1) : address;
        int zone = text.indexOf('%');
        return zone < 0 ? text : text.substring(0, zone);
    }

    /** The bytes of an IP literal (4 or 16), or null when the text is not one. */
    private static byte[] bytes(String literal) {
        if (literal.indexOf(':') < 0) {
            return ipv4(literal);
        }
        char first = literal.isEmpty() ? '.' : literal.charAt(0);
        // only what the JDK reads as an IPv6 literal (a hex digit or ':' first): anything else would go to DNS
        if (Character.digit(first, 16) < 0 && first != ':' || !IPV6.matcher(literal).matches()) {
            return null;
        }
        try {
            byte[] out = InetAddress.getByName(literal).getAddress();
            return out.length == 16 ? out : null; // ::ffff:1.2.3.4 comes back as IPv4: not an IPv6 literal here
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** Four dot-separated decimal parts of 1 to 3 digits, each at most 255; else null. */
    private static byte[] ipv4(String literal) {
        byte[] out = new byte[4];
        int part = 0;
        int value = 0;
        int digits = 0;
        for (int i = 0; i <= literal.length(); i++) {
            char c = i < literal.length() ? literal.charAt(i) : '.';
            if (c >= '0' && c <= '9' && digits < 3) {
                value = value * 10 + (c - '0');
                digits++;
            } else if (c == '.' && digits > 0 && value <= 255 && part < 4) {
                out[part++] = (byte) value;
                value = 0;
                digits = 0;
            } else {
                return null;
            }
        }
        return part == 4 ? out : null;
    }

    private record Block(byte[] address, int bits) {
        boolean contains(byte[] candidate) {
            if (candidate.length != address.length) {
                return false;
            }
            int whole = bits / 8;
            for (int i = 0; i < whole; i++) {
                if (candidate[i] != address[i]) {
                    return false;
                }
            }
            int rest = bits % 8;
            if (rest == 0) {
                return true;
            }
            int mask = 0xff << (8 - rest) & 0xff;
            return (candidate[whole] & mask) == (address[whole] & mask);
        }
    }
}
