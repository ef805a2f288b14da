package io.github.vaultsni.gateway.proxy;

import io.github.vaultsni.gateway.GatewayConfig;
import io.github.vaultsni.tls.TlsProvider;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The behaviour suite against {@code gateway.jar}'s door, the jetty-core {@link GatewayProxyHandler}. */
class CoreDoorProxyTest extends AbstractProxyBehaviourTest {

    @Override
    ProxyDoor startDoor(Path dataDir) throws Exception {
        return new CoreDoor(dataDir, KEY);
    }

    @Test
    void https_withConscryptServingTls_isProxiedAlike() throws Exception {
        door.close();
        door = new CoreDoor(GatewayConfig.builder().dataDir(dir.resolve("conscrypt")).adminKey(KEY).adminPort(0)
                .httpHost("127.0.0.1").httpPort(0).httpsHost("127.0.0.1").httpsPort(0).tlsProvider(TlsProvider.CONSCRYPT));
        admin = door.admin();
        assertEquals(TlsProvider.CONSCRYPT, ((CoreDoor) door).gateway().tlsProvider());
        requestHeaders_crossAsTheRulesSay(Protocol.H2);
        bodies_streamBothWays_byteForByte(Protocol.HTTPS_1_1);
    }
}
