package com.example.sni;

import io.github.vaultsni.registry.SniEntrySpec;
import io.github.vaultsni.runtime.VaultSniRuntime;
import io.github.vaultsni.sni.SniConnectors;
import io.github.vaultsni.sni.VaultSniSslContextFactory;
import io.github.vaultsni.vault.VaultAuth;
import io.github.vaultsni.vault.VaultSettings;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;

import java.util.List;

/**
 * An embedded Jetty server whose HTTPS certificate for test.com lives in Vault (KV at kv/apisix, secret "ssl",
 * fields test.com.crt and test.com.key, as in the APISIX walk-through). Rotate it in Vault: the next handshake
 * after the next refresh (at most 5 minutes) serves the new one, without a restart.
 *
 * <pre>VAULT_ADDR=http://127.0.0.1:8200 VAULT_TOKEN=... java com.example.sni.EmbeddedVaultSniServer</pre>
 */
public final class EmbeddedVaultSniServer {

    public static Server start(String vaultAddress, String vaultToken, int httpsPort) throws Exception {
        // 1. Where secrets come from ($secret://vault/my-vault/<path>/<field> reads kv/apisix/<path>) and where the
        //    SSL objects live: one runtime, started with the server and stopped with it.
        VaultSniRuntime runtime = VaultSniRuntime.builder()
                .vault("my-vault", VaultSettings.builder(vaultAddress).prefix("kv/apisix").auth(VaultAuth.token(vaultToken)).build())
                .build();

        // 2. An ordinary Jetty server with an HTTPS connector (h2 and http/1.1) serving the runtime's certificates.
        Server server = new Server();
        server.addBean(runtime);
        server.addConnector(SniConnectors.https(server, new VaultSniSslContextFactory(runtime.certificates()),
                new HttpConfiguration(), null, httpsPort));
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                Content.Sink.write(response, true, "hello from " + Request.getServerName(request) + "\n", callback);
                return true;
            }
        });
        server.start();

        // 3. Which certificate serves which names.
        System.out.println(runtime.registry().put(SniEntrySpec.of("test.com", List.of("test.com"),
                "$secret://vault/my-vault/ssl/test.com.crt", "$secret://vault/my-vault/ssl/test.com.key")).join());
        return server;
    }

    public static void main(String[] args) throws Exception {
        start(System.getenv("VAULT_ADDR"), System.getenv("VAULT_TOKEN"), 8443).join();
    }

    private EmbeddedVaultSniServer() {
    }
}
