package io.github.vaultsni.gateway;

import java.nio.file.Path;

/** A gateway in its own JVM, for the kill -9 test: prints "READY <admin port>" and runs until killed. */
public final class GatewayProcess {
    private GatewayProcess() {
    }

    public static void main(String[] args) throws Exception {
        Gateway gateway = Gateway.start(TestGatewayConfig.loopback(Path.of(args[0])).adminKey(args[1]).build());
        System.out.println("READY " + gateway.adminPort());
        System.out.flush();
        Thread.currentThread().join();
    }
}
