package io.github.vaultsni.gateway.route;

/** Where the proxy finds the routes to match against: the snapshot current at the moment of the call. */
@FunctionalInterface
public interface RouteTableSource {

    /** The current table; never null. A request keeps the table (and route) it matched even if a newer one follows. */
    RouteTable current();
}
