package io.github.vaultsni.gateway.admin;

import io.github.vaultsni.testsupport.TestClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Refused admin calls per client: free at first, then 429 until the minute is over; clients are bounded. */
class FailedAdminCallsTest {
    private final TestClock clock = new TestClock();
    private final FailedAdminCalls calls = new FailedAdminCalls(clock);

    private void refuse(String address, int times) {
        for (int i = 0; i < times; i++) {
            calls.refused(address, "GET", "/apisix/admin/routes", "wrong apikey");
        }
    }

    @Test
    void aClientPastItsFreeRefusals_isBlockedUntilItsMinuteIsOver() {
        refuse("10.0.0.1", FailedAdminCalls.FREE_PER_MINUTE - 1);
        assertEquals(0, calls.blockedSeconds("10.0.0.1"), "four refusals: the fifth call is still answered");
        refuse("10.0.0.1", 1);
        assertEquals(60, calls.blockedSeconds("10.0.0.1"), "five: the sixth is not");
        assertEquals(0, calls.blockedSeconds("10.0.0.2"), "another client is not blocked for it");
        clock.advance(Duration.ofSeconds(45));
        assertEquals(15, calls.blockedSeconds("10.0.0.1"), "the window runs from its first refusal, not its last");
        clock.advance(Duration.ofSeconds(15));
        assertEquals(0, calls.blockedSeconds("10.0.0.1"), "a minute later it starts afresh");
    }

    @Test
    void anIpv6Client_isItsSlash64() {
        assertEquals("2001:db8:1:2:0:0:0:0/64", FailedAdminCalls.client("2001:db8:1:2:aaaa:bbbb:cccc:dddd"));
        refuse("2001:db8:1:2::1", 3);
        refuse("2001:db8:1:2::ffff", 3);
        assertEquals(60, calls.blockedSeconds("2001:db8:1:2::7"), "one host's addresses count together");
        assertEquals(0, calls.blockedSeconds("2001:db8:1:3::1"));
        assertEquals("10.0.0.1", FailedAdminCalls.client("10.0.0.1"));
    }

    @Test
    void pastTheClientsFollowed_othersShareOneWindow_andStaleOnesAreForgotten() {
        for (int i = 0; i < FailedAdminCalls.MAX_CLIENTS; i++) {
            refuse("a" + i, 1);
        }
        for (int i = 0; i < 6; i++) {
            refuse("new" + i, 1);
        }
        assertEquals(60, calls.blockedSeconds("new-7"), "new clients are blocked together");
        clock.advance(Duration.ofSeconds(61));
        refuse("fresh", 1);
        assertEquals(0, calls.blockedSeconds("fresh"));
        refuse("fresh", 4);
        assertEquals(60, calls.blockedSeconds("fresh"), "followed on its own again");
    }
}
