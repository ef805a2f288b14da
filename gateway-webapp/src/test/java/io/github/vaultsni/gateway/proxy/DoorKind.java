package io.github.vaultsni.gateway.proxy;

import java.nio.file.Path;

/** The proxy's two doors, for tests that run once behind each ({@code @ParameterizedClass}). */
enum DoorKind {
    /** {@code gateway.jar}: the jetty-core handler. */
    CORE {
        @Override
        ProxyDoor start(Path dataDir, String adminKey) throws Exception {
            return new CoreDoor(dataDir, adminKey);
        }
    },
    /** The WAR: the servlet in an ee11 context. */
    SERVLET {
        @Override
        ProxyDoor start(Path dataDir, String adminKey) throws Exception {
            return new ServletDoor(dataDir, adminKey);
        }
    };

    abstract ProxyDoor start(Path dataDir, String adminKey) throws Exception;
}
