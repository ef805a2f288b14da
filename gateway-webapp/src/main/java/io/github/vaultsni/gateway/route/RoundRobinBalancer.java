package io.github.vaultsni.gateway.route;

import java.util.List;
import java.util.Set;

/**
 * Smooth weighted round-robin, nginx's: each pick adds every node's weight to its current score, chooses the
 * highest, and takes the total off the chosen one. Over any window of total-weight picks each node is chosen
 * as often as its weight, evenly spread ({@code a:5, b:1, c:1} gives {@code a a b a c a a}).
 */
final class RoundRobinBalancer implements Balancer {
    private final List<UpstreamNode> nodes;
    /** Scores: longs, as int weights (at most 2^31 - 1 each) add up past an int. */
    private final long[] current;

    RoundRobinBalancer(List<UpstreamNode> nodes) {
        this.nodes = List.copyOf(nodes);
        this.current = new long[nodes.size()];
    }

    @Override
    public UpstreamNode pick(String hashKey, Set<UpstreamNode> exclude) {
        if (nodes.size() == 1) { // nothing to balance: no lock on every request
            UpstreamNode only = nodes.get(0);
            return only.weight() > 0 && !exclude.contains(only) ? only : null;
        }
        return pickWeighted(exclude);
    }

    private synchronized UpstreamNode pickWeighted(Set<UpstreamNode> exclude) {
        int best = -1;
        long total = 0;
        for (int i = 0; i < nodes.size(); i++) {
            UpstreamNode node = nodes.get(i);
            if (node.weight() <= 0 || exclude.contains(node)) {
                continue;
            }
            current[i] += node.weight();
            total += node.weight();
            if (best < 0 || current[i] > current[best]) {
                best = i;
            }
        }
        if (best < 0) {
            return null;
        }
        current[best] -= total;
        return nodes.get(best);
    }
}
