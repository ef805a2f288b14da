package io.github.vaultsni.gateway.proxy;

import java.nio.file.Path;

/** The behaviour suite against the WAR's door, {@link GatewayProxyServlet} in a Jetty ee11 context. */
class ServletDoorProxyTest extends AbstractProxyBehaviourTest {

    @Override
    ProxyDoor startDoor(Path dataDir) throws Exception {
        return new ServletDoor(dataDir, KEY);
    }
}
