package io.github.vaultsni.gateway.proxy;

import io.github.vaultsni.pem.CertifiedKey;
import io.github.vaultsni.pem.Pem;
import io.github.vaultsni.sni.SniCertificateIndex;
import io.github.vaultsni.sni.SniCertificates;
import io.github.vaultsni.sni.SniEntry;
import io.github.vaultsni.sni.SniEntryPreference;
import io.github.vaultsni.testsupport.TestPki;
import io.github.vaultsni.testsupport.TestPki.Issued;
import org.eclipse.jetty.http.HttpFields;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * APISIX's two per-request client-certificate rules: no certificate on an mTLS connection unless the URI matches
 * that SSL object's {@code skip_mtls_uri_regex}, and no Host of an mTLS SSL object reached under another SNI.
 */
class MtlsPolicyTest {
    private static final String NO_CERTIFICATE = "client certificate was not present";
    /** Only the SSL object {@code mtls} has skip rules; APISIX finds them anywhere in the URI (ngx.re.find). */
    private static final Map<String, List<Pattern>> SKIP_MTLS_URIS = Map.of("mtls",
            List.of(Pattern.compile("^/health$"), Pattern.compile("/public/")));
    private static CertifiedKey serverKey;
    private static X509Certificate clientCa;

    @BeforeAll
    static void pki() {
        Issued leaf = TestPki.rootCa("SERVER-CA", "EC").leaf("EC", "mtls.test", "*.wild.test", "open.test");
        serverKey = Pem.decodeCertifiedKey("cert", leaf.certificatePem(), "key", leaf.privateKeyPem(), null);
        clientCa = TestPki.rootCa("CLIENT-CA", "EC").certificate();
    }

    /** The client's request as the proxy's doors report it: only what the policy reads varies. */
    private record Request(String scheme, String sni, String host, boolean hasClientCertificate) implements ClientRequest {
        static GatewayRequest https(String sni, String host, boolean certificate) {
            return GatewayRequest.read(new Request("https", sni, host, certificate));
        }

        @Override
        public String method() {
            return "GET";
        }

        @Override
        public String path() {
            return "/";
        }

        @Override
        public String query() {
            return null;
        }

        @Override
        public String targetAuthority() {
            return host;
        }

        @Override
        public String hostHeader() {
            return host;
        }

        @Override
        public HttpFields headers() {
            return HttpFields.EMPTY;
        }

        @Override
        public String protocol() {
            return "HTTP/1.1";
        }

        @Override
        public String remoteAddress() {
            return "127.0.0.1";
        }

        @Override
        public String localAddress() {
            return "127.0.0.1";
        }

        @Override
        public int localPort() {
            return 9443;
        }

        @Override
        public boolean hasContent() {
            return false;
        }

        @Override
        public long beginNanos() {
            return 0;
        }
    }

    private static SniEntry entry(String id, String sni, boolean verifiesClients) {
        return SniEntry.builder(id).snis(List.of(sni)).keys(List.of(serverKey))
                .clientCertificates(verifiesClients ? List.of(clientCa) : List.of(), 1)
                .skipMtlsUris(SKIP_MTLS_URIS.getOrDefault(id, List.of())).build();
    }

    private static MtlsPolicy policy(SniEntry... entries) {
        SniCertificates certificates = new SniCertificates();
        certificates.publish(SniCertificateIndex.build(List.of(entries), null, SniEntryPreference.newestValid(),
                Instant.now()));
        return new MtlsPolicy(certificates);
    }

    private static MtlsPolicy served() {
        return policy(entry("mtls", "mtls.test", true), entry("wild", "*.wild.test", true),
                entry("open", "open.test", false));
    }

    @Test
    void whileNoSslObjectVerifiesClients_everyRequestPasses() {
        MtlsPolicy policy = policy(entry("open", "open.test", false), entry("other", "mtls.test", false));
        assertNull(policy.refusal(Request.https("open.test", "mtls.test", false), "/"));
        assertNull(policy.refusal(Request.https(null, null, false), "/"));
    }

    @Test
    void plainHttp_isNotAsked_evenForTheHostOfAnMtlsSslObject() {
        assertNull(served().refusal(GatewayRequest.read(new Request("http", null, "mtls.test", false)), "/private"));
    }

    @Test
    void anMtlsConnection_withoutACertificate_isRefused_andWithOneIsLetThrough() {
        MtlsPolicy policy = served();
        assertEquals(NO_CERTIFICATE, policy.refusal(Request.https("mtls.test", "mtls.test", false), "/private"));
        assertNull(policy.refusal(Request.https("mtls.test", "mtls.test", true), "/private"));
        assertEquals(NO_CERTIFICATE, policy.refusal(Request.https("a.wild.test", "a.wild.test", false), "/"));
    }

    @Test
    void skipMtlsUriRegex_letsMatchingUrisThroughWithoutACertificate_foundAnywhereUnlessAnchored() {
        MtlsPolicy policy = served();
        assertNull(policy.refusal(Request.https("mtls.test", "mtls.test", false), "/health"));
        assertEquals(NO_CERTIFICATE, policy.refusal(Request.https("mtls.test", "mtls.test", false), "/healthz"));
        assertNull(policy.refusal(Request.https("mtls.test", "mtls.test", false), "/a/public/b"));
    }

    @Test
    void skipRules_belongToTheSslObjectTheConnectionSelected() {
        MtlsPolicy policy = served();
        assertEquals(NO_CERTIFICATE, policy.refusal(Request.https("a.wild.test", "a.wild.test", false), "/health"),
                "mtls's rules are not wild's");
        assertNull(policy.refusal(Request.https("open.test", "open.test", false), "/private"), "open asks for none");
    }

    @Test
    void theHostOfAnMtlsSslObject_underAnotherSni_isRefused_evenWithACertificate() {
        MtlsPolicy policy = served();
        assertEquals("client certificate verified with SNI open.test, but the host is mtls.test",
                policy.refusal(Request.https("open.test", "mtls.test", true), "/"));
        assertEquals("client certificate verified with SNI a.wild.test, but the host is b.wild.test",
                policy.refusal(Request.https("a.wild.test", "b.wild.test", true), "/"), "as APISIX: one name per connection");
        assertEquals("client certificate verified with SNI null, but the host is mtls.test",
                policy.refusal(Request.https(null, "mtls.test", true), "/"));
    }

    @Test
    void aHostWithoutMtls_underAnMtlsSni_passesOnceTheConnectionHasItsCertificate() {
        MtlsPolicy policy = served();
        assertNull(policy.refusal(Request.https("mtls.test", "open.test", true), "/"));
        assertNull(policy.refusal(Request.https("mtls.test", "unknown.test", true), "/"));
        assertNull(policy.refusal(Request.https("mtls.test", null, true), "/"));
    }
}
