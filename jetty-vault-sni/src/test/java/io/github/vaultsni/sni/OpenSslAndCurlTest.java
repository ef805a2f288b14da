package io.github.vaultsni.sni;

import io.github.vaultsni.pem.Pem;
import io.github.vaultsni.testsupport.ExternalTools;
import io.github.vaultsni.testsupport.TestPki;
import io.github.vaultsni.testsupport.TestPki.Issued;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The factory against the clients operators use: {@code openssl s_client} and {@code curl --http2}. CI
 * installs both (.ci/run); run by hand without them, these tests are skipped with a message.
 */
@Timeout(120)
class OpenSslAndCurlTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    @TempDir
    Path dir;
    private TlsServerFixture server;
    private Path rootPem;
    private Issued rsa;
    private Issued ec;

    @BeforeEach
    void start() throws Exception {
        Issued root = TestPki.rootCa("ROOTCA", "EC");
        rsa = root.leaf("RSA", "www.example.com");
        ec = root.leaf("EC", "www.example.com");
        rootPem = dir.resolve("root.pem");
        Files.writeString(rootPem, Pem.encodeCertificates(List.of(root.certificate())));
        server = new TlsServerFixture();
        server.publish(TlsServerFixture.entry("example", List.of("www.example.com"), rsa, ec),
                TlsServerFixture.entry("wild", List.of("*.test.com"), root.leaf("EC", "*.test.com")));
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
    }

    @Test
    void openssl_exactName_verifiesAgainstTheRoot() throws Exception {
        String out = openssl("-servername", "www.example.com");
        assertTrue(out.contains("Verify return code: 0 (ok)"), out);
        assertTrue(out.matches("(?s).*subject=\\s*CN\\s*=\\s*www\\.example\\.com.*"), out);
        assertTrue(out.contains("TLSv1.3"), out);
    }

    @Test
    void openssl_caseAndTrailingDot_areNormalised() throws Exception {
        String out = openssl("-servername", "WWW.Example.COM.");
        assertTrue(out.contains("Verify return code: 0 (ok)"), out);
    }

    @Test
    void openssl_unknownAndNestedNames_getUnrecognizedNameAlert() throws Exception {
        for (String name : List.of("nope.example.org", "a.b.test.com")) {
            String out = openssl("-servername", name);
            assertTrue(out.contains("unrecognized name"), name + ": " + out);
        }
        assertTrue(openssl("-servername", "x.test.com").contains("Verify return code: 0 (ok)"));
    }

    @Test
    void openssl_signatureAlgorithmsPickRsaOrEcdsa() throws Exception {
        String rsaOut = openssl("-servername", "www.example.com", "-sigalgs", "rsa_pss_rsae_sha256");
        assertTrue(rsaOut.contains("Server public key is 2048 bit"), rsaOut);
        String ecOut = openssl("-servername", "www.example.com", "-sigalgs", "ecdsa_secp256r1_sha256");
        assertTrue(ecOut.contains("Server public key is 256 bit"), ecOut);
    }

    @Test
    void sessionTickets_areSentByDefault_andNotWhenTurnedOff() throws Exception {
        String on = opensslLingering("-servername", "www.example.com", "-msg");
        assertTrue(on.contains("NewSessionTicket"), "Jetty's default sends a TLS 1.3 ticket: " + on);
        server.close();
        server = new TlsServerFixture(factory -> factory.setSessionTickets(false));
        server.publish(TlsServerFixture.entry("example", List.of("www.example.com"), rsa, ec));
        String off = opensslLingering("-servername", "www.example.com", "-msg");
        assertTrue(off.contains("Verify return code: 0 (ok)"), off);
        assertFalse(off.contains("NewSessionTicket"), "APISIX's default, no ticket: " + off);
    }

    @Test
    void curl_http2_withResolve() throws Exception {
        require("curl");
        List<String> command = List.of("curl", "-sS", "--http2", "--max-time", "10", "--cacert", rootPem.toString(),
                "--resolve", "www.example.com:" + server.port() + ":127.0.0.1", "-w", "\n%{http_version}",
                "https://www.example.com:" + server.port() + "/");
        String out = run(command);
        assertEquals("HTTP/2.0 www.example.com -\n2", out.trim(), out);
    }

    private String openssl(String... options) throws Exception {
        require("openssl");
        List<String> command = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + server.port(),
                "-CAfile", rootPem.toString()));
        command.addAll(List.of(options));
        return run(command);
    }

    /** As {@link #openssl}, reading for 500 ms after the handshake (TLS 1.3 tickets come after it) before quitting. */
    private String opensslLingering(String... options) throws Exception {
        require("openssl");
        List<String> command = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + server.port(),
                "-CAfile", rootPem.toString()));
        command.addAll(List.of(options));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        Thread.sleep(500); // not a wait: an observation window, since "no ticket came" has no moment to wait for
        process.getOutputStream().close();
        return finish(process, command);
    }

    private static void require(String tool) {
        ExternalTools.require(tool);
    }

    private static String run(List<String> command) throws IOException, InterruptedException {
        return ExternalTools.run(command, null, TIMEOUT);
    }

    private static String finish(Process process, List<String> command) throws IOException, InterruptedException {
        return ExternalTools.finish(process, command, TIMEOUT);
    }
}
