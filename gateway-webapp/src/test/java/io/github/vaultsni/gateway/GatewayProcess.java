package io.github.vaultsni.gateway;

import java.nio.file.Path;

/** A gateway in its own JVM, for the kill -9 test: prints "READY <admin port>" and runs until killed. */
public final class GatewayProcess {
    private GatewayProcess() {
    }

    public static void main(String[] args) throws Exception {
        Gateway gateway = Gateway.start(GatewayConfig.builder().dataDir(Path.of(args[0])).adminKey(args[1])
                .adminPort(0).metricsPort(0).httpHost("127.0.0.1").httpPort(0).httpsHost("127.0.0.1").httpsPort(0).build());
        System.out.println("READY " + gateway.adminPort());
        System.out.flush();
        Thread.currentThread().join();
    }
}
