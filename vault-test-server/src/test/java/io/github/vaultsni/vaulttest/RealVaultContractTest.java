package io.github.vaultsni.vaulttest;

import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.vault.VaultContainer;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The same contract suite against real {@code hashicorp/vault:1.13.0} in dev mode, wherever a Docker engine
 * runs (skipped elsewhere). This is what keeps the test server honest.
 */
@Testcontainers(disabledWithoutDocker = true)
class RealVaultContractTest extends AbstractVaultContractTest {
    private static final String ROOT = "contract-root";

    @Container
    static final VaultContainer<?> VAULT = new VaultContainer<>("hashicorp/vault:1.13.0").withVaultToken(ROOT);

    @Override
    protected String address() {
        return VAULT.getHttpHostAddress();
    }

    @Override
    protected String rootToken() {
        return ROOT;
    }

    /** Dev mode prints the unseal key at start. */
    @Override
    protected String unsealKey() {
        Matcher m = Pattern.compile("Unseal Key: (\\S+)").matcher(VAULT.getLogs());
        if (!m.find()) {
            throw new IllegalStateException("dev-mode Vault printed no unseal key");
        }
        return m.group(1);
    }
}
