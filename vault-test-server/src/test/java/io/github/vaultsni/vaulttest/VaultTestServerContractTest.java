package io.github.vaultsni.vaulttest;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The contract suite against the in-process test server. */
class VaultTestServerContractTest extends AbstractVaultContractTest {
    private static VaultTestServer server;

    @BeforeAll
    static void startServer() {
        server = VaultTestServer.builder().rootToken("contract-root").start();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @Override
    protected String address() {
        return server.address();
    }

    @Override
    protected String rootToken() {
        return server.rootToken();
    }

    @Override
    protected String unsealKey() {
        return server.unsealKey();
    }
}
