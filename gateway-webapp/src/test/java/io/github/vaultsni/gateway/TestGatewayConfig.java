package io.github.vaultsni.gateway;

import java.nio.file.Path;

/**
 * The one gateway configuration tests start from: its data in {@code dataDir}, every listener (admin, metrics, HTTP,
 * HTTPS) on 127.0.0.1 at a port the system picks, so no test binds APISIX's default ports or collides with another.
 */
public final class TestGatewayConfig {
    private TestGatewayConfig() {
    }

    public static GatewayConfig.Builder loopback(Path dataDir) {
        return GatewayConfig.builder().dataDir(dataDir).adminPort(0).metricsPort(0).httpHost("127.0.0.1").httpPort(0)
                .httpsHost("127.0.0.1").httpsPort(0);
    }
}
