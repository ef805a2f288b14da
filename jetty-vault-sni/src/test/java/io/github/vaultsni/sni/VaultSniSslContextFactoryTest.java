package io.github.vaultsni.sni;

import io.github.vaultsni.testsupport.TestPki;
import io.github.vaultsni.testsupport.TestPki.Issued;
import io.github.vaultsni.tls.TlsProvider;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.transport.HttpClientTransportDynamic;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.ClientConnectionFactoryOverHTTP2;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.SocketAddressResolver;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SNIHostName;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Real handshakes with the JDK's TLS client, Jetty's HTTP/2 client and the JDK HttpClient. */
@Timeout(120)
class VaultSniSslContextFactoryTest {
    private static Issued root;
    static Issued ca;
    private static Issued exampleRsa;
    private static Issued exampleEc;
    private static Issued wildcard;
    private static Issued fallback;
    TlsServerFixture server;
    SSLContext client;

    @BeforeAll
    static void pki() {
        root = TestPki.rootCa("Test Root", "EC");
        ca = root.intermediate("Test Intermediate", "EC");
        exampleRsa = ca.leaf("RSA", "www.example.com", "example.com");
        exampleEc = ca.leaf("EC", "www.example.com", "example.com");
        wildcard = ca.leaf("EC", "*.test.com");
        fallback = ca.leaf("EC", "default.example");
    }

    @BeforeEach
    void start() throws Exception {
        server = new TlsServerFixture(provider());
        client = TlsServerFixture.clientContext(root, null);
        server.publish(TlsServerFixture.entry("example", List.of("www.example.com", "example.com"), exampleRsa, exampleEc),
                TlsServerFixture.entry("wild", List.of("*.test.com"), wildcard));
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
    }

    /** The server's TLS implementation; a subclass runs every test again on another. */
    TlsProvider provider() {
        return TlsProvider.JDK;
    }

    @Test
    void exactName_isServedItsCertificateAndChain() throws Exception {
        TlsServerFixture.Result r = server.handshake(client, "www.example.com", null, null);
        assertEquals("CN=www.example.com", r.subject());
        assertEquals("TLSv1.3", r.protocol());
        assertEquals("HTTP/1.1 200 OK", r.statusLine());
        assertEquals("HTTP/1.1 www.example.com -", r.body());
    }

    /**
     * How each handshake ended is told once, on either provider (Conscrypt hands the key manager a new session object
     * per question, so nothing of it may live in the session), and what was noted of a handshake goes with its
     * connection.
     */
    @Test
    void eachHandshake_isToldOnce_andItsNoteGoesWithItsConnection() throws Exception {
        List<String> told = new java.util.concurrent.CopyOnWriteArrayList<>();
        server.certificates().addHandshakeListener((sni, outcome) -> told.add(outcome + " " + sni));
        server.handshake(client, "www.example.com", null, null);
        server.handshake(client, "example.com", new String[]{"TLSv1.2"}, null);
        assertThrows(IOException.class, () -> server.handshake(client, "nope.example.org", null, null));
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertEquals(List.of("SERVED www.example.com",
                "SERVED example.com", "UNKNOWN_NAME nope.example.org"), told));
        await().atMost(Duration.ofSeconds(5)).until(() -> server.certificates().handshakes().inProgress() == 0);
    }

    /**
     * A resumed session skips the trust manager: it goes on only while its client certificate is still accepted and
     * its name still served. A client CA removed, then the object deleted: the resumption is refused each time.
     */
    @Test
    void aResumedSession_endsWhenItsClientCaIsRemoved_orItsObjectDeleted() throws Exception {
        Issued clientRoot = TestPki.rootCa("Client CA", "EC");
        Issued serverLeaf = ca.leaf("EC", "secure.example.com");
        server.publish(TlsServerFixture.entry("mtls", List.of("secure.example.com"), Set.of(),
                List.of(clientRoot.certificate()), serverLeaf));
        SSLContext resuming = TlsServerFixture.clientContext(root, clientRoot.leaf("EC", "client-one"));
        String first = resumable(resuming);
        assertEquals(first, resumable(resuming), "the second connection resumed the first one's session");
        server.publish(TlsServerFixture.entry("mtls", List.of("secure.example.com"), Set.of(),
                List.of(TestPki.rootCa("Another CA", "EC").certificate()), serverLeaf));
        assertThrows(IOException.class, () -> resumable(resuming), "its client is no longer accepted");
        server.publish(TlsServerFixture.entry("open", List.of("open.example.com"), ca.leaf("EC", "open.example.com")));
        assertThrows(IOException.class, () -> resumable(resuming), "its name is no longer served");
    }

    /** A TLS 1.2 connection to secure.example.com with {@code context} (its sessions kept), one request: the session id. */
    private String resumable(SSLContext context) throws Exception {
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", server.port())) {
            socket.setSoTimeout(5000);
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setServerNames(List.of(new SNIHostName("secure.example.com")));
            parameters.setProtocols(new String[]{"TLSv1.2"});
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: secure.example.com\r\nConnection: close\r\n\r\n"
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String answer = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
            if (!answer.startsWith("HTTP/1.1 200")) {
                throw new IOException("no answer: " + answer);
            }
            return java.util.HexFormat.of().formatHex(socket.getSession().getId());
        }
    }

    @Test
    void wildcard_coversOneLabelOnly() throws Exception {
        assertEquals("CN=*.test.com", server.handshake(client, "www.test.com", null, null).subject());
        assertUnrecognized("a.b.test.com");
        assertUnrecognized("test.com");
    }

    @Test
    void unknownName_isRefusedWithUnrecognizedName() {
        assertUnrecognized("nope.example.org");
    }

    @Test
    void upperCaseName_matches() throws Exception {
        assertEquals("CN=www.example.com", server.handshake(client, "WWW.Example.COM", null, null).subject());
    }

    @Test
    void noSni_withoutDefault_fails_withDefault_servesIt() throws Exception {
        for (String[] version : List.of(new String[]{"TLSv1.3"}, new String[]{"TLSv1.2"})) {
            SSLHandshakeException e = assertThrows(SSLHandshakeException.class, () -> server.handshake(client, null, version, null));
            assertTrue(e.getMessage().contains("handshake_failure"), version[0] + ": " + e.getMessage());
        }
        server.publish("fallback", TlsServerFixture.entry("fallback", List.of("default.example"), fallback));
        assertEquals("CN=default.example", server.handshake(client, null, null, null).subject());
    }

    @ParameterizedTest
    @ValueSource(strings = {"RSA", "EC"})
    void keyPair_isChosenByWhatTheClientAccepts(String keyType) throws Exception {
        String suite = keyType.equals("RSA") ? "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" : "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256";
        TlsServerFixture.Result r = server.handshake(client, "example.com", new String[]{"TLSv1.2"}, new String[]{suite});
        assertEquals(keyType, r.leaf().getPublicKey().getAlgorithm());
        assertEquals("TLSv1.2", r.protocol());
    }

    /**
     * An SSL object's TLS versions are what its handshakes may negotiate, as APISIX's {@code ssl_protocols} (set from
     * the ClientHello): a client offering others too gets one of them; one offering none of them is refused; an object
     * allowing no version the listener enables is refused with {@code protocol_version}, on either provider.
     */
    @Test
    void protocolRestriction_refusesOtherVersions() throws Exception {
        server.publish(TlsServerFixture.entry("tls13", List.of("modern.example.com"), Set.of("TLSv1.3"), List.of(),
                ca.leaf("EC", "modern.example.com")),
                TlsServerFixture.entry("tls12", List.of("legacy.example.com"), Set.of("TLSv1.2"), List.of(),
                        ca.leaf("EC", "legacy.example.com")),
                TlsServerFixture.entry("tls11", List.of("ancient.example.com"), Set.of("TLSv1.1"), List.of(),
                        ca.leaf("EC", "ancient.example.com")));
        assertEquals("TLSv1.3", server.handshake(client, "modern.example.com", null, null).protocol());
        assertThrows(SSLHandshakeException.class,
                () -> server.handshake(client, "modern.example.com", new String[]{"TLSv1.2"}, null));
        assertEquals("TLSv1.2", server.handshake(client, "legacy.example.com", null, null).protocol(),
                "a client offering TLS 1.3 and 1.2 gets 1.2");
        SSLHandshakeException refused = assertThrows(SSLHandshakeException.class,
                () -> server.handshake(client, "ancient.example.com", null, null));
        assertTrue(refused.getMessage().contains("protocol_version"), refused.getMessage());
    }

    @Test
    void mutualTls_acceptsClientsOfItsCa_refusesOthersAndNone() throws Exception {
        Issued clientRoot = TestPki.rootCa("Client CA", "EC");
        Issued goodClient = clientRoot.leaf("EC", "client-one");
        Issued strangerClient = TestPki.rootCa("Other CA", "EC").leaf("EC", "client-two");
        server.publish(TlsServerFixture.entry("mtls", List.of("secure.example.com"), Set.of(),
                List.of(clientRoot.certificate()), ca.leaf("EC", "secure.example.com")),
                TlsServerFixture.entry("open", List.of("open.example.com"), ca.leaf("EC", "open.example.com")));

        TlsServerFixture.Result ok = server.handshake(TlsServerFixture.clientContext(root, goodClient),
                "secure.example.com", null, null);
        assertEquals("HTTP/1.1 secure.example.com CN=client-one", ok.body());

        // TLS 1.3: the client hears of the refused certificate when it reads.
        assertThrows(IOException.class, () -> server.handshake(TlsServerFixture.clientContext(root, strangerClient),
                "secure.example.com", null, null));
        // No certificate: TLS 1.3 completes the handshake, then the server closes before any answer.
        assertThrows(IOException.class, () -> {
            TlsServerFixture.Result r = server.handshake(client, "secure.example.com", null, null);
            throw new AssertionError("answered without a client certificate: " + r.statusLine());
        });
        // A name without mTLS is unaffected.
        assertEquals("HTTP/1.1 open.example.com -", server.handshake(client, "open.example.com", null, null).body());
    }

    @Test
    void replacingEntries_takesEffectOnNextHandshake_withoutNewSslContext() throws Exception {
        SSLContext before = server.factory.getSslContext();
        assertEquals("CN=www.example.com", server.handshake(client, "www.example.com", null, null).subject());
        Issued renewed = ca.leaf("EC", "www.example.com");
        server.publish(TlsServerFixture.entry("example", List.of("www.example.com"), renewed));
        TlsServerFixture.Result after = server.handshake(client, "www.example.com", null, null);
        assertEquals(renewed.certificate(), after.leaf());
        server.publish();
        assertUnrecognized("www.example.com");
        assertTrue(before == server.factory.getSslContext(), "same SSLContext, so its session cache survives");
    }

    @Test
    void jettyHttpClient_overH2_withSni() throws Exception {
        SslContextFactory.Client tls = new SslContextFactory.Client();
        tls.setSslContext(client);
        ClientConnector connector = new ClientConnector();
        connector.setSslContextFactory(tls);
        HTTP2Client h2 = new HTTP2Client(connector);
        HttpClient http = new HttpClient(new HttpClientTransportDynamic(connector, new ClientConnectionFactoryOverHTTP2.HTTP2(h2)));
        http.setSocketAddressResolver(new SocketAddressResolver() {
            @Override
            public void resolve(String host, int port, java.util.Map<String, Object> context,
                                Promise<List<InetSocketAddress>> promise) {
                try {
                    // The name stays with the address, so the TLS engine sends it as SNI.
                    promise.succeeded(List.of(new InetSocketAddress(
                            java.net.InetAddress.getByAddress(host, new byte[]{127, 0, 0, 1}), port)));
                } catch (java.net.UnknownHostException e) {
                    promise.failed(e);
                }
            }
        });
        http.start();
        try {
            ContentResponse response = http.newRequest("https://www.test.com:" + server.port() + "/")
                    .timeout(10, TimeUnit.SECONDS).send();
            assertEquals(200, response.getStatus());
            assertEquals("HTTP/2.0 www.test.com -", response.getContentAsString());
        } finally {
            http.stop();
        }
    }

    @Test
    void jdkHttpClient_overH2_getsDefaultEntryForLocalhost() throws Exception {
        // The JDK sends no SNI for "localhost": the default entry answers it.
        Issued local = ca.leaf("EC", "localhost");
        server.publish("local", TlsServerFixture.entry("local", List.of("localhost"), local));
        java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder().sslContext(client)
                .version(java.net.http.HttpClient.Version.HTTP_2).connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("https://localhost:" + server.port() + "/"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertEquals(java.net.http.HttpClient.Version.HTTP_2, response.version());
        assertTrue(response.body().startsWith("HTTP/2.0 localhost"), response.body());
    }

    @Test
    void tenThousandEntries_eachServedItsOwn() throws Exception {
        Issued shared = ca.leaf("EC", "placeholder");
        var key = TlsServerFixture.certifiedKey(shared);
        List<SniEntry> entries = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            entries.add(SniEntry.of("e" + i, List.of("host" + i + ".example.net"), List.of(key)));
        }
        Issued last = ca.leaf("EC", "host9999.example.net");
        entries.set(9_999, TlsServerFixture.entry("e9999", List.of("host9999.example.net"), last));
        server.certificates.publish(SniCertificateIndex.build(entries, null, SniEntryPreference.newestValid(),
                java.time.Instant.now()));
        assertEquals(10_000, server.certificates.current().size());
        assertEquals(last.certificate(), server.handshake(client, "host9999.example.net", null, null).leaf());
        assertEquals(shared.certificate(), server.handshake(client, "host0.example.net", null, null).leaf());
        assertUnrecognized("host10000.example.net");
    }

    void assertUnrecognized(String sni) {
        SSLHandshakeException e = assertThrows(SSLHandshakeException.class, () -> server.handshake(client, sni, null, null));
        assertTrue(e.getMessage().contains("unrecognized_name"), e.getMessage());
    }

    @AfterAll
    static void done() {
    }
}
