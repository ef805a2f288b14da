package io.github.vaultsni.gateway.route;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.TextNode;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** remote_addr(s): IPv4 and IPv6 addresses and CIDR blocks, as Jetty gives a client's address. */
class ClientAddressesTest {

    private static ClientAddresses of(String... entries) {
        var array = JsonNodeFactory.instance.arrayNode();
        for (String entry : entries) {
            array.add(entry);
        }
        return ClientAddresses.of(array);
    }

    @Test
    void ipv4_addressesAndBlocks() {
        ClientAddresses addresses = of("127.0.0.1", "192.0.0.1/8", "10.1.2.0/23");
        assertTrue(addresses.contains("127.0.0.1"));
        assertFalse(addresses.contains("127.0.0.2"));
        assertTrue(addresses.contains("192.255.1.1"));
        assertTrue(addresses.contains("10.1.3.255"));
        assertFalse(addresses.contains("10.1.4.0"));
        assertFalse(addresses.contains("::ffff:7f00:1"), "an IPv6 address is not in an IPv4 block");
    }

    @Test
    void ipv6_inAnyOfJettysSpellings() {
        ClientAddresses addresses = of("::1", "fe80::/32", "2001:db8::/126");
        assertTrue(addresses.contains("[0:0:0:0:0:0:0:1]"));
        assertTrue(addresses.contains("0:0:0:0:0:0:0:1"));
        assertTrue(addresses.contains("[fe80:0:0:0:1:2:3:4%eth0]"));
        assertFalse(addresses.contains("fe81::1"));
        assertTrue(addresses.contains("2001:db8::3"));
        assertFalse(addresses.contains("2001:db8::4"));
        assertFalse(addresses.contains("127.0.0.1"));
        assertTrue(ClientAddresses.of(TextNode.valueOf("::/0")).contains("2001:db8::9"));
        assertTrue(ClientAddresses.of(TextNode.valueOf("0.0.0.0/0")).contains("8.8.8.8"));
    }

    @Test
    void whatIsNotAnAddress_isRefused_withoutAskingDns() {
        assertThrows(IllegalArgumentException.class, () -> of("127.0.0.33333"));
        assertThrows(IllegalArgumentException.class, () -> of("localhost"));
        assertThrows(IllegalArgumentException.class, () -> of("10.0.0.0/33"));
        assertThrows(IllegalArgumentException.class, () -> of("::1/129"));
        assertThrows(IllegalArgumentException.class, () -> of("/16"));
        assertFalse(of("127.0.0.1").contains("not-an-address"));
        assertFalse(of("::1").contains(".:1"), "not an IPv6 literal to the JDK: never handed to it (it would ask DNS)");
    }
}
