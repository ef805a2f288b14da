package io.github.vaultsni.gateway.proxy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.vaultsni.gateway.admin.AdminTestClient;
import io.github.vaultsni.pem.Pem;
import io.github.vaultsni.testsupport.TestPki;
import io.github.vaultsni.testsupport.TestPki.Issued;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Client certificates per SSL object: skip_mtls_uri_regex, and the SNI/Host rule for mTLS hosts; behind each door. */
@ParameterizedClass
@EnumSource(DoorKind.class)
@Timeout(60)
class ClientMtlsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "mtls-admin-key";

    @TempDir
    Path dir;
    @Parameter
    DoorKind kind;
    private ProxyDoor gateway;
    private TestUpstream upstream;
    private Issued root;
    private Issued clientCa;

    @BeforeEach
    void start() throws Exception {
        gateway = kind.start(dir.resolve("data"), KEY);
        AdminTestClient admin = gateway.admin();
        upstream = new TestUpstream("u");
        root = TestPki.rootCa("ROOTCA", "EC");
        clientCa = TestPki.rootCa("Client CA", "EC");
        Issued secure = root.leaf("EC", "secure.test.com");
        Issued wildcard = root.leaf("EC", "*.test.com");
        var client = JSON.createObjectNode().put("ca", Pem.encodeCertificates(List.of(clientCa.certificate())));
        client.putArray("skip_mtls_uri_regex").add("^/public/");
        var mtls = JSON.createObjectNode().put("sni", "secure.test.com").put("cert", secure.certificatePem())
                .put("key", secure.privateKeyPem());
        mtls.set("client", client);
        assertEquals(201, admin.call("PUT", "ssls/secure", mtls.toString()).status());
        assertEquals(201, admin.call("PUT", "ssls/wild", JSON.createObjectNode().put("sni", "*.test.com")
                .put("cert", wildcard.certificatePem()).put("key", wildcard.privateKeyPem()).toString()).status());
        assertEquals(201, admin.call("PUT", "routes/all", "{\"uri\":\"/*\",\"upstream\":{\"nodes\":{\"" + upstream.node()
                + "\":1}}}").status());
        gateway.awaitServed("secure");
        gateway.awaitServed("wild");
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
        upstream.close();
    }

    @Test
    void withClientCertificate_everyUriPasses() throws Exception {
        assertTrue(request(true, "secure.test.com", "secure.test.com", "/private").startsWith("HTTP/1.1 200"));
    }

    @Test
    void withoutClientCertificate_onlySkippedUrisPass_othersAre400() throws Exception {
        assertTrue(request(false, "secure.test.com", "secure.test.com", "/public/x").startsWith("HTTP/1.1 200"));
        String refused = request(false, "secure.test.com", "secure.test.com", "/private");
        assertTrue(refused.startsWith("HTTP/1.1 400"), refused);
        assertTrue(refused.endsWith("{\"error_msg\":\"client certificate was not present\"}"), refused);
    }

    @Test
    void mtlsHostReachedUnderAnotherSni_is400() throws Exception {
        String refused = request(false, "other.test.com", "secure.test.com", "/public/x");
        assertTrue(refused.startsWith("HTTP/1.1 400"), refused);
        assertTrue(refused.contains("client certificate verified with SNI other.test.com, but the host is secure.test.com"), refused);
        assertTrue(request(false, "other.test.com", "other.test.com", "/x").startsWith("HTTP/1.1 200"));
    }

    /** One HTTP/1.1 request over TLS with this SNI and Host; the whole response. */
    private String request(boolean withCertificate, String sni, String host, String path) throws Exception {
        SSLContext context = TestPki.clientContext(root, withCertificate ? clientCa.leaf("EC", "client-one") : null);
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", gateway.httpsPort())) {
            socket.setSoTimeout(10_000);
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setServerNames(List.of(new SNIHostName(sni)));
            socket.setSSLParameters(parameters);
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
