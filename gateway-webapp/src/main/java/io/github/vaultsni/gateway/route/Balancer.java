package io.github.vaultsni.gateway.route;

import java.util.Set;

/** Picks the node for one request attempt; {@code exclude} holds nodes that already failed this request. */
public interface Balancer {

    /** The node, or null when every node is excluded or weighs 0. {@code hashKey} is for hashing balancers. */
    UpstreamNode pick(String hashKey, Set<UpstreamNode> exclude);

    /** Whether {@link #pick} reads its {@code hashKey} (else callers may pass null and skip computing one). */
    default boolean usesHashKey() {
        return false;
    }
}
