package io.github.vaultsni.gateway.route;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/** Smooth weighted round-robin, nginx's: the order its Javadoc promises, weights 0, nodes excluded per request. */
class RoundRobinBalancerTest {
    private static final UpstreamNode A = UpstreamNode.of("http", "a", 80, 5);
    private static final UpstreamNode B = UpstreamNode.of("http", "b", 80, 1);
    private static final UpstreamNode C = UpstreamNode.of("http", "c", 80, 1);

    /** The hosts of {@code count} picks, each excluding {@code exclude}. */
    private static List<String> picks(Balancer balancer, int count, Set<UpstreamNode> exclude) {
        List<String> hosts = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            UpstreamNode node = balancer.pick(null, exclude);
            hosts.add(node == null ? null : node.host());
        }
        return hosts;
    }

    private static Map<String, Long> counts(List<String> hosts) {
        return hosts.stream().collect(Collectors.groupingBy(h -> h, Collectors.counting()));
    }

    @Test
    void pick_spreadsEachWindowOfTotalWeightEvenly_asNginx() {
        RoundRobinBalancer balancer = new RoundRobinBalancer(List.of(A, B, C));
        List<String> nginxOrder = List.of("a", "a", "b", "a", "c", "a", "a");
        assertEquals(nginxOrder, picks(balancer, 7, Set.of()));
        assertEquals(nginxOrder, picks(balancer, 7, Set.of()), "the next window repeats it");
    }

    @Test
    void pick_choosesEachNodeAsOftenAsItsWeight() {
        UpstreamNode heavy = UpstreamNode.of("http", "h", 80, 3);
        UpstreamNode light = UpstreamNode.of("http", "l", 80, 2);
        Map<String, Long> counts = counts(picks(new RoundRobinBalancer(List.of(light, heavy)), 500, Set.of()));
        assertEquals(Map.of("h", 300L, "l", 200L), counts);
    }

    @Test
    void weightZero_isNeverChosen_andAllZeroChoosesNothing() {
        UpstreamNode zero = UpstreamNode.of("http", "zero", 80, 0);
        assertFalse(picks(new RoundRobinBalancer(List.of(zero, B, C)), 20, Set.of()).contains("zero"));
        assertNull(new RoundRobinBalancer(List.of(zero, UpstreamNode.of("http", "z2", 80, 0))).pick(null, Set.of()));
        assertNull(new RoundRobinBalancer(List.of(zero)).pick(null, Set.of()), "a lone node of weight 0 neither");
    }

    @Test
    void exclusions_areSkipped_andTheOthersKeepTheirRatio() {
        UpstreamNode b2 = UpstreamNode.of("http", "b2", 80, 2);
        RoundRobinBalancer balancer = new RoundRobinBalancer(List.of(A, b2, C));
        assertEquals(Map.of("b2", 200L, "c", 100L), counts(picks(balancer, 300, Set.of(A))));
        assertNull(balancer.pick(null, Set.of(A, b2, C)), "every node excluded");
    }

    @Test
    void aSingleNode_isChosenUnlessExcluded() {
        RoundRobinBalancer balancer = new RoundRobinBalancer(List.of(B));
        assertSame(B, balancer.pick(null, Set.of()));
        assertNull(balancer.pick(null, Set.of(B)));
        assertFalse(balancer.usesHashKey());
    }

    @Test
    void concurrentPicks_keepTheWeightsExactly() throws Exception {
        RoundRobinBalancer balancer = new RoundRobinBalancer(List.of(A, B, C));
        Map<UpstreamNode, AtomicInteger> chosen = new ConcurrentHashMap<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            Thread thread = new Thread(() -> {
                for (int i = 0; i < 7_000; i++) {
                    chosen.computeIfAbsent(balancer.pick(null, Set.of()), n -> new AtomicInteger()).incrementAndGet();
                }
            });
            thread.start();
            threads.add(thread);
        }
        for (Thread thread : threads) {
            thread.join();
        }
        Map<String, Integer> byHost = new HashMap<>();
        chosen.forEach((node, n) -> byHost.put(node.host(), n.get()));
        assertEquals(Map.of("a", 20_000, "b", 4_000, "c", 4_000), byHost);
    }

    @Test
    void weightsThatAddUpPastAnInt_keepTheirRatio() {
        UpstreamNode big = UpstreamNode.of("http", "big", 80, Integer.MAX_VALUE);
        UpstreamNode other = UpstreamNode.of("http", "other", 80, Integer.MAX_VALUE);
        Map<String, Long> counts = counts(picks(new RoundRobinBalancer(List.of(big, other)), 100, Set.of()));
        assertEquals(Map.of("big", 50L, "other", 50L), counts);
    }
}
