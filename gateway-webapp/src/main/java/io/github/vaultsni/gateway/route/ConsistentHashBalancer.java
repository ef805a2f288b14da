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
 * that hashed next to its points.
 */
final class ConsistentHashBalancer implements Balancer {
    private static final int POINTS_PER_WEIGHT = 160;
    private final NavigableMap<Long, UpstreamNode> ring = new TreeMap<>();

    ConsistentHashBalancer(List<UpstreamNode> nodes) {
        for (UpstreamNode node : nodes) {
            for (int i = 0; i < node.weight() * POINTS_PER_WEIGHT; i++) {
                ring.put(hash(node.authority() + "#" + i), node);
            }
        }
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
