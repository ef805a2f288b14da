package io.github.vaultsni.gateway.route;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** APISIX's {@code chash}: a key keeps its node; nodes coming, going or excluded move only their own keys. */
class ConsistentHashBalancerTest {
    private static final UpstreamNode A = UpstreamNode.of("http", "10.0.0.1", 80, 1);
    private static final UpstreamNode B = UpstreamNode.of("http", "10.0.0.2", 80, 1);
    private static final UpstreamNode C = UpstreamNode.of("http", "10.0.0.3", 80, 1);
    private static final List<String> KEYS = IntStream.range(0, 2_000).mapToObj(i -> "user-" + i).toList();

    private static UpstreamNode pick(Balancer balancer, String key) {
        return balancer.pick(key, Set.of());
    }

    @Test
    void aKey_alwaysGoesToTheSameNode_whateverTheOrderTheNodesAreListedIn() {
        ConsistentHashBalancer one = new ConsistentHashBalancer(List.of(A, B, C));
        ConsistentHashBalancer other = new ConsistentHashBalancer(List.of(C, A, B));
        for (String key : KEYS) {
            assertEquals(pick(one, key), pick(one, key), key);
            assertEquals(pick(one, key), pick(other, key), key);
        }
        assertTrue(one.usesHashKey());
    }

    @Test
    void removingANode_movesOnlyItsKeys_andAddingOne_movesKeysOnlyToIt() {
        ConsistentHashBalancer three = new ConsistentHashBalancer(List.of(A, B, C));
        ConsistentHashBalancer two = new ConsistentHashBalancer(List.of(A, B));
        int moved = 0;
        for (String key : KEYS) {
            UpstreamNode before = pick(three, key);
            UpstreamNode after = pick(two, key);
            if (!before.equals(C)) {
                assertEquals(before, after, key + " stays where it was");
            } else {
                moved++;
            }
        }
        assertTrue(moved > KEYS.size() / 6 && moved < KEYS.size() / 2, moved + " of " + KEYS.size() + " keys were C's");
    }

    @Test
    void excludingANode_sendsItsKeysWhereARingWithoutItWould_andLeavesTheOthers() {
        ConsistentHashBalancer three = new ConsistentHashBalancer(List.of(A, B, C));
        ConsistentHashBalancer withoutB = new ConsistentHashBalancer(List.of(A, C));
        for (String key : KEYS) {
            assertEquals(pick(withoutB, key), three.pick(key, Set.of(B)), key);
        }
        assertNull(three.pick("user-1", Set.of(A, B, C)), "every node excluded");
    }

    @Test
    void weights_givePointsOnTheRing_andWeightZeroNone() {
        UpstreamNode heavy = UpstreamNode.of("http", "heavy", 80, 3);
        UpstreamNode zero = UpstreamNode.of("http", "zero", 80, 0);
        ConsistentHashBalancer balancer = new ConsistentHashBalancer(List.of(heavy, A, zero));
        long toHeavy = KEYS.stream().filter(key -> pick(balancer, key).equals(heavy)).count();
        assertTrue(toHeavy > KEYS.size() * 0.6 && toHeavy < KEYS.size() * 0.9, toHeavy + " of " + KEYS.size());
        assertTrue(KEYS.stream().noneMatch(key -> pick(balancer, key).equals(zero)));
        assertNull(new ConsistentHashBalancer(List.of(zero)).pick("k", Set.of()));
    }

    @Test
    void aMissingKey_hashesAsTheEmptyString() {
        ConsistentHashBalancer balancer = new ConsistentHashBalancer(List.of(A, B, C));
        assertNotNull(balancer.pick(null, Set.of()));
        assertEquals(balancer.pick("", Set.of()), balancer.pick(null, Set.of()));
    }

    @Test
    void hugeWeights_shareABoundedRing_inProportion() {
        UpstreamNode big = UpstreamNode.of("http", "10.0.0.8", 80, Integer.MAX_VALUE);
        UpstreamNode half = UpstreamNode.of("http", "10.0.0.9", 80, Integer.MAX_VALUE / 2);
        ConsistentHashBalancer ring = new ConsistentHashBalancer(List.of(big, half));
        assertTrue(ring.points() <= ConsistentHashBalancer.MAX_POINTS && ring.points() > ConsistentHashBalancer.MAX_POINTS * 0.9,
                () -> ring.points() + " points");
        long toBig = KEYS.stream().filter(key -> pick(ring, key).equals(big)).count();
        assertTrue(toBig > KEYS.size() * 0.55 && toBig < KEYS.size() * 0.78, toBig + " of " + KEYS.size() + " keys, about 2/3");
        assertEquals(3 * 160, new ConsistentHashBalancer(List.of(A, B, C)).points(), "small weights: 160 points each, as before");
    }
}
