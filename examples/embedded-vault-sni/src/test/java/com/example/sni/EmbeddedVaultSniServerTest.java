package com.example.sni;

import io.github.vaultsni.testsupport.TestPki;
import io.github.vaultsni.vaulttest.VaultHttp;
import io.github.vaultsni.vaulttest.VaultTestServer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs the example against the Vault test server and checks it serves the certificate stored in Vault. */
@Timeout(120)
class EmbeddedVaultSniServerTest {

    @Test
    void servesTheCertificateFromVaultBySni() throws Exception {
        TestPki.Issued root = TestPki.rootCa("ROOTCA", "RSA");
        TestPki.Issued leaf = root.leaf("RSA", "test.com");
        try (VaultTestServer vault = VaultTestServer.builder().rootToken("root").start()) {
            VaultHttp http = new VaultHttp(vault.address());
            http.enableKv("root", "kv", 1);
            http.putSecret("root", 1, "kv", "apisix/ssl", Map.of("test.com.crt", leaf.certificatePem(),
                    "test.com.key", leaf.traditionalPrivateKeyPem()));
            Server server = EmbeddedVaultSniServer.start(vault.address(), "root", 0);
            try {
                int port = ((ServerConnector) server.getConnectors()[0]).getLocalPort();
                SSLContext context = TestPki.clientContext(root, null);
                try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port)) {
                    socket.setSoTimeout(10_000);
                    SSLParameters parameters = socket.getSSLParameters();
                    parameters.setServerNames(List.of(new SNIHostName("test.com")));
                    socket.setSSLParameters(parameters);
                    socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: test.com\r\nConnection: close\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
                    String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    assertEquals(leaf.certificate(), (X509Certificate) socket.getSession().getPeerCertificates()[0]);
                    assertTrue(response.startsWith("HTTP/1.1 200"), response);
                    assertTrue(response.endsWith("hello from test.com\n"), response);
                }
            } finally {
                server.stop();
            }
        }
    }
}
