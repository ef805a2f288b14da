package io.github.vaultsni.gateway.proxy;

import io.github.vaultsni.gateway.Gateway;
import io.github.vaultsni.gateway.GatewayConfig;
import io.github.vaultsni.gateway.TestGatewayConfig;
import io.github.vaultsni.gateway.admin.AdminTestClient;

import java.net.URI;
import java.nio.file.Path;

/** {@code gateway.jar}'s door: the embedded {@link Gateway} with its jetty-core {@link GatewayProxyHandler}. */
final class CoreDoor implements ProxyDoor {
    private final Gateway gateway;
    private final AdminTestClient admin;

    CoreDoor(Path dataDir, String adminKey) throws Exception {
        this(TestGatewayConfig.loopback(dataDir).adminKey(adminKey));
    }

    CoreDoor(GatewayConfig.Builder config) throws Exception {
        GatewayConfig built = config.build();
        this.gateway = Gateway.start(built);
        this.admin = new AdminTestClient(gateway.adminPort(), built.adminKey());
    }

    Gateway gateway() {
        return gateway;
    }

    @Override
    public int httpPort() {
        return gateway.httpPort();
    }

    @Override
    public int httpsPort() {
        return gateway.httpsPort();
    }

    /** The metrics listener, APISIX's export server: no key. */
    @Override
    public URI metricsUri() {
        return ProxyDoor.metricsUri(gateway.metricsPort(), null);
    }

    @Override
    public AdminTestClient admin() {
        return admin;
    }

    @Override
    public void close() {
        gateway.close();
    }
}
