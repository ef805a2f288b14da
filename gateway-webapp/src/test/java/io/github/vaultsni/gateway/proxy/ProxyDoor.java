package io.github.vaultsni.gateway.proxy;

import io.github.vaultsni.gateway.admin.AdminTestClient;
import io.github.vaultsni.gateway.metrics.GatewayMetrics;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.awaitility.Awaitility.await;

/**
 * A running gateway behind one of the proxy's two doors, for {@link AbstractProxyBehaviourTest}: a plain listener
 * (HTTP/1.1 and h2c), an HTTPS listener serving the gateway's SSL objects (h2 and HTTP/1.1), and the admin API.
 */
interface ProxyDoor extends AutoCloseable {

    int httpPort();

    int httpsPort();

    AdminTestClient admin();

    /** Where this door's Prometheus endpoint answers a scrape (with the key, where one is needed). */
    URI metricsUri();

    /** A scrape of the Prometheus endpoint, asking for {@code accept}. */
    default HttpResponse<String> scrape(String accept) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(metricsUri()).header("Accept", accept)
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The metrics path on {@code port} of 127.0.0.1, with {@code query} (null for none). */
    static URI metricsUri(int port, String query) {
        return URI.create("http://127.0.0.1:" + port + GatewayMetrics.PATH + (query == null ? "" : "?" + query));
    }

    /** Waits until the SSL object {@code id} is served (its status ACTIVE), at most 5 s. */
    default void awaitServed(String id) {
        await().atMost(Duration.ofSeconds(5)).until(() ->
                "ACTIVE".equals(admin().call("GET", "ssls/" + id + "/status", null).json().path("state").asText()));
    }

    @Override
    void close();
}
