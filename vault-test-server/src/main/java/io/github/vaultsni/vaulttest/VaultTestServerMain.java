package io.github.vaultsni.vaulttest;

import java.net.InetAddress;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the Vault-compatible test server as its own process, for the examples and for trying things by hand:
 * {@code java -jar vault-test-server.jar [-port 8200] [-root-token root] [-address 127.0.0.1] [-no-dev-mounts]}.
 * The flags mirror {@code vault server -dev}'s ({@code -dev-listen-address}, {@code -dev-root-token-id}), and
 * {@code VAULT_DEV_ROOT_TOKEN_ID} is honoured as by Vault's dev mode.
 */
public final class VaultTestServerMain {
    private VaultTestServerMain() {
    }

    public static void main(String[] args) throws Exception {
        VaultTestServer.Builder builder = VaultTestServer.builder().port(8200);
        String envToken = System.getenv("VAULT_DEV_ROOT_TOKEN_ID");
        if (envToken != null && !envToken.isBlank()) {
            builder.rootToken(envToken);
        }
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "-port", "--port" -> builder.port(Integer.parseInt(value(args, ++i)));
                case "-root-token", "--root-token", "-dev-root-token-id" -> builder.rootToken(value(args, ++i));
                case "-address", "--address" -> builder.bindAddress(InetAddress.getByName(value(args, ++i)));
                case "-no-dev-mounts", "--no-dev-mounts" -> builder.devMounts(false);
                case "-h", "-help", "--help" -> {
                    System.out.println("usage: java -jar vault-test-server.jar [-port 8200] [-root-token root] "
                            + "[-address 127.0.0.1] [-no-dev-mounts]");
                    return;
                }
                default -> {
                    System.err.println("unknown argument: " + args[i] + " (try -help)");
                    System.exit(2);
                }
            }
        }
        VaultTestServer server = builder.start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }));
        System.out.println("Vault-compatible TEST server (in memory, for trying out only) listening on "
                + server.address() + "; root token as given by -root-token or VAULT_DEV_ROOT_TOKEN_ID");
        System.out.println("Unseal Key: " + server.unsealKey());
        System.out.flush();
        stopped.await();
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) {
            System.err.println("missing value after " + args[i - 1]);
            System.exit(2);
        }
        return args[i];
    }
}
