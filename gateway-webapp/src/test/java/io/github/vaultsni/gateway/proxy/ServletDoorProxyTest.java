package io.github.vaultsni.gateway.proxy;

import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The behaviour suite against the WAR's door, {@link GatewayProxyServlet} in a Jetty ee11 context. */
class ServletDoorProxyTest extends AbstractProxyBehaviourTest {

    @Override
    ProxyDoor startDoor(Path dataDir) throws Exception {
        return new ServletDoor(dataDir, KEY);
    }

    /** In a WAR the metrics share the public connectors: the admin API's key, as the admin API takes it. */
    @Test
    void metrics_onTheWarsContext_needTheAdminKey() throws Exception {
        HttpResponse<String> none = scrape(ProxyDoor.metricsUri(door.httpPort(), null), null);
        assertEquals(401, none.statusCode());
        assertEquals("{\"error_msg\":\"failed to check token\",\"description\":\"missing apikey\"}\n", none.body());
        HttpResponse<String> wrong = scrape(ProxyDoor.metricsUri(door.httpPort(), "api_key=nope"), null);
        assertEquals(401, wrong.statusCode());
        assertTrue(wrong.body().contains("wrong apikey"), wrong.body());
        HttpResponse<String> header = scrape(ProxyDoor.metricsUri(door.httpPort(), null), KEY);
        assertEquals(200, header.statusCode());
        assertTrue(header.body().contains("# TYPE apisix_http_requests_total counter"), header.body());
        assertEquals(200, door.scrape("text/plain").statusCode(), "api_key in the query");
    }

    private static HttpResponse<String> scrape(java.net.URI uri, String key) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10));
        if (key != null) {
            request.header("X-API-KEY", key);
        }
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
