package io.github.vaultsni.gateway.proxy;

import io.github.vaultsni.gateway.admin.AdminTestClient;

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

    /** Waits until the SSL object {@code id} is served (its status ACTIVE), at most 5 s. */
    default void awaitServed(String id) {
        await().atMost(Duration.ofSeconds(5)).until(() ->
                "ACTIVE".equals(admin().call("GET", "ssls/" + id + "/status", null).json().path("state").asText()));
    }

    @Override
    void close();
}
