package io.github.vaultsni.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.vaultsni.keyless.SignerSpec;
import io.github.vaultsni.registry.SslObjectViolation.Kind;
import io.github.vaultsni.testsupport.TestPki;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An APISIX SSL object read into the values that are served: every field, its default, and what is refused, as
 * typed violations naming the field (each door words them its own way).
 */
class SslObjectTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static SniEntrySpec read(String json) throws Exception {
        return SslObject.parse("1", JSON.readTree(json));
    }

    private static SslObjectViolation refusal(String json) {
        return assertThrows(InvalidSslObjectException.class, () -> SslObject.parseAndCheck("1", JSON.readTree(json))).first();
    }

    @Test
    void everyField_becomesItsValue() throws Exception {
        SniEntrySpec spec = read("""
                {"sni": "A.test.com", "snis": ["*.b.test.com", "a.test.com."], "cert": "$env://C", "key": "$env://K",
                 "certs": ["$env://C2"], "keys": ["$env://K2"], "status": 0, "ssl_protocols": ["TLSv1.3"],
                 "client": {"ca": "$env://CA", "depth": 3, "skip_mtls_uri_regex": ["^/health$"]}}""");
        assertEquals(SniEntrySpec.Type.SERVER, spec.type());
        assertEquals(List.of("a.test.com", "*.b.test.com"), spec.snis(), "normalised, once each, sni first");
        assertEquals(List.of("$env://C", "$env://K", "$env://C2", "$env://K2", "$env://CA"), spec.values());
        assertFalse(spec.enabled());
        assertEquals(Set.of("TLSv1.3"), spec.protocols());
        assertEquals(3, spec.clientDepth());
        assertEquals(List.of("^/health$"), spec.skipMtlsUris(), "the rules travel with the object");
        assertTrue(spec.skipMtlsPatterns().get(0).matcher("/health").matches());
    }

    @Test
    void defaults_areApisixs() throws Exception {
        SniEntrySpec spec = read("{\"sni\": \"a.test.com\", \"cert\": \"$env://C\", \"key\": \"$env://K\"}");
        assertTrue(spec.enabled());
        assertEquals(Set.of(), spec.protocols());
        assertNull(spec.clientCa());
        assertEquals(1, spec.clientDepth());
        assertEquals(List.of(), spec.skipMtlsUris());
    }

    @Test
    void aClientObject_isItsCertAndKeyAlone() throws Exception {
        SniEntrySpec spec = read("""
                {"type": "client", "cert": "$env://C", "key": "$env://K", "certs": ["$env://C2"]}""");
        assertEquals(SniEntrySpec.Type.CLIENT, spec.type());
        assertEquals(List.of("$env://C", "$env://K"), spec.values());
        assertEquals(List.of(), spec.snis());
    }

    @Test
    void refused_withTypedViolations_namingTheField() {
        assertEquals(new SslObjectViolation(Kind.MISSING, "cert", "cert and key are required"),
                refusal("{\"sni\": \"a.test.com\", \"cert\": \"x\"}"));
        assertEquals(new SslObjectViolation(Kind.BAD_VALUE, "client.skip_mtls_uri_regex", "invalid regex (["), refusal("""
                {"sni": "a.test.com", "cert": "$env://C", "key": "$env://K", "client": {"ca": "$env://A", "skip_mtls_uri_regex": ["(["]}}"""));
        assertEquals(new SslObjectViolation(Kind.MISMATCHED_PAIRS, "certs", "mismatched number of certs and keys"),
                refusal("{\"sni\": \"a.test.com\", \"cert\": \"$env://C\", \"key\": \"$env://K\", \"certs\": [\"c2\"]}"));
        assertEquals(Kind.BAD_REFERENCE, refusal("{\"sni\": \"a.test.com\", \"cert\": \"$secret://vault\", \"key\": \"$env://K\"}").kind());
        assertEquals(new SslObjectViolation(Kind.CONFLICT, "issuer",
                "issuer excludes cert, key, certs and keys: the certificates are issued"), refusal("""
                {"sni": "a.test.com", "cert": "$env://C", "key": "$env://K", "issuer": {"vault_pki": {"secret_id": "v", "role": "r"}}}"""));
        assertEquals(new SslObjectViolation(Kind.MISSING, "issuer", "issuer needs vault_pki"),
                refusal("{\"sni\": \"a.test.com\", \"issuer\": {}}"));
        assertEquals(Kind.BAD_VALUE, refusal("{\"sni\": \"a b\", \"cert\": \"$env://C\", \"key\": \"$env://K\"}").kind());
    }

    @Test
    void inlinePem_isParsedWhenWritten_namingTheFieldAndNeverTheText() {
        TestPki.Issued root = TestPki.rootCa("ROOT", "EC");
        TestPki.Issued a = root.leaf("EC", "a.test.com");
        TestPki.Issued b = root.leaf("EC", "a.test.com");
        String garbage = "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n";
        SslObjectViolation bad = refusal(ssl(garbage, a.privateKeyPem()));
        assertEquals(Kind.BAD_CERTIFICATE, bad.kind());
        assertEquals("cert", bad.field());
        assertFalse(bad.message().contains("not base64"), bad::message);
        assertEquals(Kind.KEY_MISMATCH, refusal(ssl(a.certificatePem(), b.privateKeyPem())).kind());
        assertEquals(Kind.BAD_KEY, refusal(ssl(a.certificatePem(), "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")).kind());
    }

    private static String ssl(String cert, String key) {
        return JSON.createObjectNode().put("sni", "a.test.com").put("cert", cert).put("key", key).toString();
    }

    @Test
    void theSameObject_readsAsEqualSpecs() throws Exception {
        JsonNode json = JSON.readTree("{\"snis\": [\"a.test.com\"], \"cert\": \"c\", \"key\": \"k\", "
                + "\"client\": {\"ca\": \"c\", \"skip_mtls_uri_regex\": [\"^/a\"]}}");
        assertEquals(SslObject.parse("1", json), SslObject.parse("1", json.deepCopy()),
                "the bindings file tells changed entries from unchanged ones by equality");
    }

    @Test
    void aSigner_standsForTheKey_andIsShownAsWritten() throws Exception {
        SniEntrySpec spec = read("""
                {"sni": "a.test.com", "cert": "$env://C",
                 "signer": {"vault_transit": {"secret_id": "vault-1", "key": "gateway"}}}""");
        assertEquals(new SignerSpec("vault-1", "transit", "gateway"), spec.signer(), "mount transit by default");
        assertNull(spec.key());
        assertEquals(List.of("$env://C"), spec.values(), "no key to resolve");
    }

    @Test
    void aSigner_excludesKeyAndIssuer_andNeedsACert_andKnowsItsFields() {
        assertEquals(new SslObjectViolation(Kind.CONFLICT, "signer",
                "signer excludes key: the private key stays in Vault Transit"), refusal("""
                {"sni": "a.test.com", "cert": "$env://C", "key": "$env://K",
                 "signer": {"vault_transit": {"secret_id": "v", "key": "k"}}}"""));
        assertEquals(new SslObjectViolation(Kind.MISSING, "cert", "cert is required with signer"), refusal("""
                {"sni": "a.test.com", "signer": {"vault_transit": {"secret_id": "v", "key": "k"}}}"""));
        assertEquals(Kind.CONFLICT, refusal("""
                {"sni": "a.test.com", "issuer": {"vault_pki": {"secret_id": "v", "role": "r"}},
                 "signer": {"vault_transit": {"secret_id": "v", "key": "k"}}}""").kind());
        assertEquals(new SslObjectViolation(Kind.BAD_VALUE, "signer",
                "signer.vault_transit.exportable: not a field of vault_transit"), refusal("""
                {"sni": "a.test.com", "cert": "$env://C",
                 "signer": {"vault_transit": {"secret_id": "v", "key": "k", "exportable": true}}}"""));
        assertEquals(new SslObjectViolation(Kind.BAD_VALUE, "signer", "signer.vault_transit.key: not a Transit key name: a/b"),
                refusal("""
                {"sni": "a.test.com", "cert": "$env://C", "signer": {"vault_transit": {"secret_id": "v", "key": "a/b"}}}"""));
    }
}
