package io.github.vaultsni.gateway.route;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The matching order README's "Routing and proxying" states: exact {@code uri}, then the longest {@code /prefix/*},
 * then {@code priority}, with {@code hosts} ({@code *.foo.com} for any subdomain) and {@code methods} as filters.
 * Routes are read from APISIX route objects, as the store holds them.
 */
class RouteTableTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Upstream UPSTREAM = Upstream.of("u", json("{\"nodes\":{\"127.0.0.1:1980\":1}}"));

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new IllegalArgumentException(text, e);
        }
    }

    private static Route route(String id, String object) {
        return Route.of(id, json(object), UPSTREAM);
    }

    private static RouteTable table(Route... routes) {
        return RouteTable.of(Arrays.asList(routes));
    }

    /** The id of the route matched for a GET to {@code path} with Host {@code host}, or null. */
    private static String get(RouteTable table, String host, String path) {
        return matched(table, host, "GET", path);
    }

    private static String matched(RouteTable table, String host, String method, String path) {
        Route route = table.match(SampleRequest.of(host, method, path));
        return route == null ? null : route.id();
    }

    @Test
    void match_exactUriBeforeAnyPrefix_whateverThePriority() {
        RouteTable table = table(route("prefix", "{\"uri\":\"/api/*\",\"priority\":100}"),
                route("exact", "{\"uri\":\"/api/users\"}"));
        assertEquals("exact", get(table, "a.test", "/api/users"));
        assertEquals("prefix", get(table, "a.test", "/api/users/1"));
        assertEquals("prefix", get(table, "a.test", "/api/userz"));
    }

    @Test
    void uriIndex_namesTheUriTheTableMatchedOn_exactFirst_thenTheLongestPrefix() {
        Route route = route("several", "{\"uris\":[\"/api/*\",\"/api/health\",\"/api/v2/*\"]}");
        assertSame(route, table(route).match(SampleRequest.get("/api/health")));
        assertEquals(1, route.uriIndex("/api/health"));
        assertEquals(2, route.uriIndex("/api/v2/items"));
        assertEquals(0, route.uriIndex("/api/v1"));
        assertEquals(-1, route.uriIndex("/other"));
    }

    @Test
    void match_longestPrefixFirst_whateverThePriority() {
        RouteTable table = table(route("short", "{\"uri\":\"/api/*\",\"priority\":100}"),
                route("long", "{\"uri\":\"/api/v2/*\"}"),
                route("root", "{\"uri\":\"/*\",\"priority\":1000}"));
        assertEquals("long", get(table, null, "/api/v2/users"));
        assertEquals("long", get(table, null, "/api/v2/"));
        assertEquals("short", get(table, null, "/api/v2"));
        assertEquals("short", get(table, null, "/api/v1/users"));
        assertEquals("root", get(table, null, "/other"));
    }

    @Test
    void match_aPrefixUriCoversWhatFollowsItsSlash_notThePathWithoutIt() {
        RouteTable table = table(route("api", "{\"uri\":\"/api/*\"}"));
        assertEquals("api", get(table, null, "/api/"));
        assertEquals("api", get(table, null, "/api/a/b/c"));
        assertNull(get(table, null, "/api"));
        assertNull(get(table, null, "/apix/a"));
    }

    @Test
    void match_withinOneUri_higherPriorityFirst_thenRoutesWithHosts_thenTheSmallerId() {
        RouteTable byPriority = table(route("a", "{\"uri\":\"/p\"}"), route("z", "{\"uri\":\"/p\",\"priority\":5}"),
                route("m", "{\"uri\":\"/p\",\"priority\":-1}"));
        assertEquals("z", get(byPriority, null, "/p"));
        RouteTable byHosts = table(route("a", "{\"uri\":\"/p\"}"), route("b", "{\"uri\":\"/p\",\"host\":\"h.test\"}"));
        assertEquals("b", get(byHosts, "h.test", "/p"));
        assertEquals("a", get(byHosts, "other.test", "/p"));
        RouteTable byId = table(route("r2", "{\"uri\":\"/p\"}"), route("r1", "{\"uri\":\"/p\"}"));
        assertEquals("r1", get(byId, null, "/p"));
    }

    @Test
    void match_aRouteRefusedByItsFilters_givesWayToTheNextCandidate_andThenToShorterPrefixes() {
        RouteTable table = table(route("postOnly", "{\"uri\":\"/api/v2/users\",\"methods\":[\"POST\"],\"priority\":9}"),
                route("hostOnly", "{\"uri\":\"/api/v2/users\",\"host\":\"admin.test\"}"),
                route("v2", "{\"uri\":\"/api/v2/*\",\"hosts\":[\"v2.test\"]}"),
                route("api", "{\"uri\":\"/api/*\"}"));
        assertEquals("postOnly", matched(table, "admin.test", "POST", "/api/v2/users"));
        assertEquals("hostOnly", matched(table, "admin.test", "GET", "/api/v2/users"));
        assertEquals("v2", matched(table, "v2.test", "GET", "/api/v2/users"));
        assertEquals("api", matched(table, "other.test", "GET", "/api/v2/users"));
    }

    @Test
    void hosts_exactOrAnySubdomainOfAWildcard_caseInsensitive_andARequestWithoutHostPassesNoHostFilter() {
        RouteTable table = table(route("w", "{\"uri\":\"/h\",\"hosts\":[\"*.Foo.COM\",\"Exact.test\"]}"));
        assertEquals("w", get(table, "a.foo.com", "/h"));
        assertEquals("w", get(table, "a.b.foo.com", "/h"));
        assertEquals("w", get(table, "exact.test", "/h"));
        assertNull(get(table, "foo.com", "/h"), "*.foo.com is for subdomains");
        assertNull(get(table, "xfoo.com", "/h"));
        assertNull(get(table, "sub.exact.test", "/h"), "an exact host covers no subdomain");
        assertNull(get(table, null, "/h"));
    }

    @Test
    void methods_filterWhenGiven_andAnyMethodPassesARouteWithout() {
        RouteTable table = table(route("read", "{\"uri\":\"/m\",\"methods\":[\"GET\",\"HEAD\"]}"));
        assertEquals("read", matched(table, null, "HEAD", "/m"));
        assertNull(matched(table, null, "DELETE", "/m"));
        assertEquals("any", matched(table(route("any", "{\"uri\":\"/m\"}")), null, "PATCH", "/m"));
    }

    @Test
    void uris_everyUriOfARouteMatches_exactAndPrefixAlike() {
        RouteTable table = table(route("multi", "{\"uris\":[\"/one\",\"/two/*\"]}"), route("single", "{\"uri\":\"/three\"}"));
        assertEquals("multi", get(table, null, "/one"));
        assertEquals("multi", get(table, null, "/two/x"));
        assertEquals("single", get(table, null, "/three"));
        assertNull(get(table, null, "/two"));
        assertEquals(2, table.size());
    }

    @Test
    void noMatch_isNull_andTheEmptyTableMatchesNothing() {
        assertNull(get(table(route("a", "{\"uri\":\"/a\"}")), null, "/b"));
        assertNull(get(RouteTable.empty(), null, "/"));
        assertEquals(0, RouteTable.empty().size());
    }

    @Test
    void match_readsEachRouteFromItsObject_itsUpstreamKept() {
        Route route = route("r", "{\"uri\":\"/r\",\"priority\":3,\"methods\":[\"GET\"],\"host\":\"R.test\"}");
        assertEquals(List.of("/r"), route.uris());
        assertEquals(List.of("r.test"), route.hosts());
        assertEquals(3, route.priority());
        assertEquals(UPSTREAM, table(route).match(SampleRequest.of("r.test", "GET", "/r")).upstream());
    }
}
