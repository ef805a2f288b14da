package io.github.vaultsni.gateway.route;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.CRC32;

/**
 * Consistent hashing (APISIX's {@code chash}): each node gets 160 points per unit of weight on a ring; a key goes
 * to the first point at or after its hash, skipping excluded nodes. Adding or removing a node moves only the keys
 * that hashed next to its points. The ring holds at most {@value #MAX_POINTS} points: past that, fewer points per
 * unit of weight, shared in proportion (weights of a billion once asked for 160 billion points).
 */
final class ConsistentHashBalancer implements Balancer {
    private static final int POINTS_PER_WEIGHT = 160;
    /** 160 points for each unit of weight up to a total weight of 819 (five nodes of 100, say), as always. */
    static final int MAX_POINTS = 1 << 17;
    private final NavigableMap<Long, UpstreamNode> ring = new TreeMap<>();

    ConsistentHashBalancer(List<UpstreamNode> nodes) {
        long total = 0;
        for (UpstreamNode node : nodes) {
            total += Math.max(0, node.weight());
        }
        double pointsPerUnit = Math.min(POINTS_PER_WEIGHT, (double) MAX_POINTS / Math.max(1, total));
        for (UpstreamNode node : nodes) {
            long points = node.weight() <= 0 ? 0 : Math.max(1, (long) (node.weight() * pointsPerUnit));
            for (long i = 0; i < points; i++) {
                ring.put(hash(node.authority() + "#" + i), node);
            }
        }
    }

    /** Points on the ring (for tests). */
    int points() {
        return ring.size();
    }

    @Override
    public boolean usesHashKey() {
        return true;
    }

    @Override
    public UpstreamNode pick(String hashKey, Set<UpstreamNode> exclude) {
        long h = hash(hashKey == null ? "" : hashKey);
        for (UpstreamNode node : ring.tailMap(h, true).values()) {
            if (!exclude.contains(node)) {
                return node;
            }
        }
        for (UpstreamNode node : ring.headMap(h, false).values()) {
            if (!exclude.contains(node)) {
                return node;
            }
        }
        return null;
    }

    private static long hash(String key) {
        CRC32 crc = new CRC32();
        crc.update(key.getBytes(StandardCharsets.UTF_8));
        return crc.getValue();
    }
}
