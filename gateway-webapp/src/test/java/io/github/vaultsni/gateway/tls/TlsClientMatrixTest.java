package io.github.vaultsni.gateway.tls;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.vaultsni.gateway.Gateway;
import io.github.vaultsni.gateway.TestGatewayConfig;
import io.github.vaultsni.gateway.admin.AdminTestClient;
import io.github.vaultsni.gateway.proxy.TestUpstream;
import io.github.vaultsni.testsupport.ExternalTools;
import io.github.vaultsni.testsupport.TestPki;
import io.github.vaultsni.testsupport.TlsClients;
import io.github.vaultsni.tls.TlsProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import javax.net.ssl.SSLParameters;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The HTTPS listener against the TLS clients people use, each doing a full handshake and a proxied GET, for every
 * TLS setting the README documents: the JDK's TLS and Conscrypt, session tickets on and off. The SSL object holds
 * an ECDSA and an RSA certificate, as APISIX's {@code cert} + {@code certs}. A client failing is reported with the
 * others, so one run shows the whole matrix.
 *
 * <p>Tickets: with them on, a TLS 1.2 client that offers the extension gets a {@code NewSessionTicket}; with them
 * off, the {@code ServerHello} must not acknowledge the extension (an acknowledgement without a ticket is what
 * OpenSSL and Python reject with {@code unexpected message}), and no TLS 1.3 ticket is sent.
 */
@Timeout(300)
class TlsClientMatrixTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "matrix-admin-key";
    /** Resolves to the loopback for every client, the JDK's {@code HttpClient} included (it has no --resolve). */
    private static final String NAME = "localhost";
    private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(20);

    @TempDir
    Path dir;
    private Gateway gateway;
    private TestUpstream upstream;
    private Path rootPem;
    private TestPki.Issued root;

    static Stream<Arguments> settings() {
        return Stream.of(Arguments.of(TlsProvider.JDK, false), Arguments.of(TlsProvider.JDK, true),
                Arguments.of(TlsProvider.CONSCRYPT, false), Arguments.of(TlsProvider.CONSCRYPT, true));
    }

    @AfterEach
    void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    @ParameterizedTest(name = "{0}, session tickets {1}")
    @MethodSource("settings")
    void everyClient_completesAHandshakeAndAProxiedGet(TlsProvider provider, boolean tickets) throws Exception {
        start(provider, tickets);
        List<String> failures = new ArrayList<>();
        client(failures, "openssl TLS 1.2, tickets offered", () -> {
            String out = openssl("-tls1_2");
            proxied(out);
            expectTicket(out, "TLS session ticket lifetime hint", tickets);
        });
        client(failures, "openssl TLS 1.2, -no_ticket", () -> proxied(openssl("-tls1_2", "-no_ticket")));
        client(failures, "openssl TLS 1.2, RSA-only signature algorithms", () -> {
            String out = openssl("-tls1_2", "-sigalgs", "RSA+SHA256:RSA-PSS+SHA256");
            proxied(out);
            check(out.contains("Server public key is 2048 bit"), "the RSA certificate", out);
        });
        client(failures, "openssl TLS 1.2, -reconnect", () -> {
            String out = ExternalTools.run(opensslCommand("-tls1_2", "-reconnect"), null, CLIENT_TIMEOUT);
            check(count(out, "Reused, TLSv1.2") == 5, "each of the 5 reconnections resumed", out);
        });
        client(failures, "openssl TLS 1.3", () -> {
            String out = openssl("-tls1_3");
            proxied(out);
            expectTicket(out, "Post-Handshake New Session Ticket arrived", tickets);
        });
        client(failures, "python ssl, TLS 1.2 at most", () -> proxied(python("TLSv1_2")));
        client(failures, "python ssl, default", () -> proxied(python(null)));
        client(failures, "curl HTTP/1.1 over TLS 1.2", () -> {
            String out = curl("--http1.1", "--tlsv1.2", "--tls-max", "1.2");
            check(out.endsWith("200 1.1"), "200 over HTTP/1.1", out);
        });
        client(failures, "curl HTTP/2", () -> {
            String out = curl("--http2");
            check(out.endsWith("200 2"), "200 over HTTP/2", out);
        });
        client(failures, "JDK HttpClient, TLS 1.2", () -> jdkClient("TLSv1.2"));
        client(failures, "JDK HttpClient, default", () -> jdkClient(null));
        client(failures, "h2load", () -> {
            ExternalTools.require("h2load");
            String out = ExternalTools.run(List.of("h2load", "-n", "20", "-c", "2", "--connect-to=127.0.0.1:" + port(),
                    "https://" + NAME + ":" + port() + "/m"), null, CLIENT_TIMEOUT);
            check(out.contains("20 succeeded") && out.contains("Application protocol: h2"), "20 h2 requests", out);
        });
        assertTrue(failures.isEmpty(), provider + ", tickets " + tickets + ":\n" + String.join("\n\n", failures));
    }

    private void start(TlsProvider provider, boolean tickets) throws Exception {
        gateway = Gateway.start(TestGatewayConfig.loopback(dir.resolve("data")).adminKey(KEY).tlsProvider(provider)
                .tlsSessionTickets(tickets).build());
        assertEquals(provider, gateway.tlsProvider());
        AdminTestClient admin = new AdminTestClient(gateway.adminPort(), KEY);
        upstream = new TestUpstream("u");
        assertEquals(201, admin.call("PUT", "routes/all", "{\"uri\":\"/*\",\"upstream\":{\"nodes\":{\""
                + upstream.node() + "\":1}}}").status());
        root = TestPki.rootCa("ROOTCA", "EC");
        rootPem = dir.resolve("root.pem");
        Files.writeString(rootPem, root.certificatePem());
        TestPki.Issued ecdsa = root.leaf("EC", NAME);
        TestPki.Issued rsa = root.leaf("RSA", NAME);
        ObjectNode ssl = JSON.createObjectNode().put("sni", NAME).put("cert", ecdsa.certificatePem())
                .put("key", ecdsa.privateKeyPem());
        ssl.putArray("certs").add(rsa.certificatePem());
        ssl.putArray("keys").add(rsa.privateKeyPem());
        assertEquals(201, admin.call("PUT", "ssls/matrix", ssl.toString()).status());
        await().atMost(Duration.ofSeconds(5)).until(() -> "ACTIVE".equals(
                admin.call("GET", "ssls/matrix/status", null).json().path("state").asText()));
    }

    private int port() {
        return gateway.httpsPort();
    }

    private List<String> opensslCommand(String... options) {
        ExternalTools.require("openssl");
        List<String> command = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port(),
                "-servername", NAME, "-CAfile", rootPem.toString(), "-verify_return_error"));
        command.addAll(List.of(options));
        return command;
    }

    /** A GET through {@code openssl s_client}, read until the gateway closes the connection. */
    private String openssl(String... options) throws Exception {
        List<String> command = opensslCommand(options);
        command.add("-ign_eof");
        return ExternalTools.run(command, "GET /m HTTP/1.1\r\nHost: " + NAME + "\r\nConnection: close\r\n\r\n", CLIENT_TIMEOUT);
    }

    /** A GET through Python's {@code ssl} (at most {@code maximumVersion}, a {@code TLSVersion} name, or its default). */
    private String python(String maximumVersion) throws Exception {
        ExternalTools.require("python3");
        String script = String.join("\n",
                "import socket, ssl, sys",
                "context = ssl.create_default_context(cafile=sys.argv[2])",
                maximumVersion == null ? "" : "context.maximum_version = ssl.TLSVersion." + maximumVersion,
                "with context.wrap_socket(socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=10),"
                        + " server_hostname='" + NAME + "') as s:",
                "    s.sendall(b'GET /m HTTP/1.1\\r\\nHost: " + NAME + "\\r\\nConnection: close\\r\\n\\r\\n')",
                "    data = b''",
                "    while chunk := s.recv(65536):",
                "        data += chunk",
                "    print(s.version())",
                "    print(data.decode('latin-1'))");
        return ExternalTools.run(List.of("/usr/bin/python3", "-c", script, Integer.toString(port()), rootPem.toString()),
                null, CLIENT_TIMEOUT);
    }

    /** A GET through curl; its output ends with the status and the HTTP version. */
    private String curl(String... options) throws Exception {
        ExternalTools.require("curl");
        List<String> command = new ArrayList<>(List.of("curl", "-sS", "-o", "/dev/null", "--max-time", "10",
                "--cacert", rootPem.toString(), "--resolve", NAME + ":" + port() + ":127.0.0.1",
                "-w", "%{http_code} %{http_version}"));
        command.addAll(List.of(options));
        command.add("https://" + NAME + ":" + port() + "/m");
        return ExternalTools.run(command, null, CLIENT_TIMEOUT).trim();
    }

    private void jdkClient(String protocol) throws Exception {
        SSLParameters parameters = new SSLParameters();
        if (protocol != null) {
            parameters.setProtocols(new String[]{protocol});
        }
        HttpClient client = HttpClient.newBuilder().sslContext(TlsClients.trusting(root.certificatePem()))
                .sslParameters(parameters).connectTimeout(Duration.ofSeconds(10)).build(); // (AutoCloseable from Java 21)
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create("https://" + NAME + ":"
                + port() + "/m")).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        check(response.statusCode() == 200 && response.body().contains("\"upstream\":\"u\""), "a proxied 200",
                response.statusCode() + " " + response.body());
    }

    /** What a proxied GET answers: a 200 from the upstream. */
    private static void proxied(String out) {
        check(out.contains("HTTP/1.1 200") && out.contains("\"upstream\":\"u\""), "a proxied 200", out);
    }

    private static void expectTicket(String out, String marker, boolean tickets) {
        check(out.contains(marker) == tickets, tickets ? "a session ticket" : "no session ticket", out);
    }

    private static void check(boolean holds, String expected, String out) {
        if (!holds) {
            throw new AssertionError("expected " + expected + ", got:\n" + out);
        }
    }

    private static int count(String text, String marker) {
        Matcher m = Pattern.compile(Pattern.quote(marker)).matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    /** Runs one client; what fails is kept with the client's name, and the next client runs. */
    private static void client(List<String> failures, String name, ClientRun run) {
        try {
            run.run();
        } catch (Exception | AssertionError e) {
            failures.add("[" + name + "] " + e.getMessage());
        }
    }

    @FunctionalInterface
    private interface ClientRun {
        void run() throws Exception;
    }
}
