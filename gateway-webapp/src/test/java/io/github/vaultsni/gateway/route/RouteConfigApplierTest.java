package io.github.vaultsni.gateway.route;

import io.github.vaultsni.gateway.store.FileConfigStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The table the proxy matches against, as the store's routes and upstreams make it: {@code status: 0} takes a
 * route out, {@code upstream_id} names a stored upstream, and an object that cannot be used keeps its last good
 * version. The store tells its watchers within the write, so every change is in the table once the write returns.
 */
class RouteConfigApplierTest {
    @TempDir
    Path dir;
    private FileConfigStore store;
    private RouteConfigApplier applier;

    @BeforeEach
    void open() {
        store = FileConfigStore.open(dir);
        applier = RouteConfigApplier.start(store);
    }

    @AfterEach
    void close() {
        applier.close();
        store.close();
    }

    /** Writes, then waits until the applier has been told (the store tells watchers on its own thread). */
    private void put(String key, String json) {
        store.update(key, current -> json);
        assertTrue(store.awaitDelivered(store.revision(), Duration.ofSeconds(5)));
    }

    private void delete(String key) {
        store.delete(key);
        assertTrue(store.awaitDelivered(store.revision(), Duration.ofSeconds(5)));
    }

    private String matched(String path) {
        Route route = applier.current().match(SampleRequest.get(path));
        return route == null ? null : route.id();
    }

    @Test
    void aDisabledRoute_isNotMatched_untilItIsEnabledAgain() {
        put("/apisix/routes/r", "{\"uri\":\"/r\",\"status\":0,\"upstream\":{\"nodes\":{\"127.0.0.1:1980\":1}}}");
        assertNull(matched("/r"));
        assertEquals(0, applier.current().size());
        put("/apisix/routes/r", "{\"uri\":\"/r\",\"status\":1,\"upstream\":{\"nodes\":{\"127.0.0.1:1980\":1}}}");
        assertEquals("r", matched("/r"));
        put("/apisix/routes/r", "{\"uri\":\"/r\",\"status\":0,\"upstream\":{\"nodes\":{\"127.0.0.1:1980\":1}}}");
        assertNull(matched("/r"), "disabling drops the last good version too");
    }

    @Test
    void aDisabledRoute_givesWayToTheNextMatch() {
        put("/apisix/routes/exact", "{\"uri\":\"/api/x\",\"status\":0,\"upstream\":{\"nodes\":{\"127.0.0.1:1980\":1}}}");
        put("/apisix/routes/prefix", "{\"uri\":\"/api/*\",\"upstream\":{\"nodes\":{\"127.0.0.1:1981\":1}}}");
        assertEquals("prefix", matched("/api/x"));
    }

    @Test
    void upstreamId_namesAStoredUpstream_andARouteWithoutOneAnswers503() {
        put("/apisix/routes/r", "{\"uri\":\"/r\",\"upstream_id\":\"u\"}");
        assertEquals("r", matched("/r"), "the route is there: it never lets /r fall through to another route");
        assertNull(applier.current().match(SampleRequest.get("/r")).upstream(), "upstream u not stored yet: 503");
        put("/apisix/upstreams/u", "{\"nodes\":{\"127.0.0.1:1980\":1}}");
        assertEquals("127.0.0.1:1980", applier.current().match(SampleRequest.get("/r")).upstream().nodes().get(0).authority());
        put("/apisix/upstreams/u", "{\"nodes\":{\"127.0.0.1:1981\":1}}");
        assertEquals("127.0.0.1:1981", applier.current().match(SampleRequest.get("/r")).upstream().nodes().get(0).authority());
    }

    @Test
    void aValueThatIsNotJson_keepsTheLastGoodRoute_andADeletedRouteIsGone() {
        put("/apisix/routes/r", "{\"uri\":\"/r\",\"upstream\":{\"nodes\":{\"127.0.0.1:1980\":1}}}");
        put("/apisix/routes/r", "this is not json");
        assertEquals("r", matched("/r"));
        delete("/apisix/routes/r");
        assertNull(matched("/r"));
    }
}
