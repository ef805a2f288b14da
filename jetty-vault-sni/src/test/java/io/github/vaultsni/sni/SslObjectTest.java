package io.github.vaultsni.sni;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** An APISIX SSL object read into the values that are served: every field, its default, and what is refused. */
class SslObjectTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static SslObject read(String json) throws Exception {
        return SslObject.fromJson("1", JSON.readTree(json));
    }

    @Test
    void everyField_becomesItsValue() throws Exception {
        SslObject ssl = read("""
                {"sni": "A.test.com", "snis": ["*.b.test.com", "a.test.com."], "cert": "$env://C", "key": "$env://K",
                 "certs": ["$env://C2"], "keys": ["$env://K2"], "status": 0, "ssl_protocols": ["TLSv1.3"],
                 "client": {"ca": "$env://CA", "depth": 3, "skip_mtls_uri_regex": ["^/health$"]}}""");
        SniEntrySpec spec = ssl.spec();
        assertEquals(SslObject.Type.SERVER, ssl.type());
        assertEquals(List.of("a.test.com", "*.b.test.com"), spec.snis(), "normalised, once each, sni first");
        assertEquals(List.of("$env://C", "$env://K", "$env://C2", "$env://K2", "$env://CA"), spec.values());
        assertFalse(spec.enabled());
        assertEquals(Set.of("TLSv1.3"), spec.protocols());
        assertEquals(3, spec.clientDepth());
        assertTrue(spec.clientCertificateOptional(), "with paths to let through, the TLS layer cannot insist");
        assertTrue(ssl.skipMtlsUris().get(0).matcher("/health").matches());
    }

    @Test
    void defaults_areApisixs() throws Exception {
        SniEntrySpec spec = read("{\"sni\": \"a.test.com\", \"cert\": \"$env://C\", \"key\": \"$env://K\"}").spec();
        assertTrue(spec.enabled());
        assertEquals(Set.of(), spec.protocols());
        assertNull(spec.clientCa());
        assertEquals(1, spec.clientDepth());
        assertFalse(spec.clientCertificateOptional());
    }

    @Test
    void aClientObject_isItsCertAndKeyAlone() throws Exception {
        SslObject ssl = read("""
                {"type": "client", "cert": "$env://C", "key": "$env://K", "certs": ["$env://C2"]}""");
        assertEquals(SslObject.Type.CLIENT, ssl.type());
        assertEquals(List.of("$env://C", "$env://K"), ssl.spec().values());
        assertEquals(List.of(), ssl.spec().snis());
    }

    @Test
    void refused_sayingWhy() {
        assertEquals("entry 1: cert and key are required",
                assertThrows(IllegalArgumentException.class, () -> read("{\"sni\": \"a.test.com\", \"cert\": \"x\"}")).getMessage());
        assertEquals("property \"client\" validation failed: property \"skip_mtls_uri_regex\" validation failed: invalid regex ([",
                assertThrows(IllegalArgumentException.class, () -> read("""
                        {"sni": "a.test.com", "cert": "c", "key": "k", "client": {"ca": "a", "skip_mtls_uri_regex": ["(["]}}""")).getMessage());
        assertEquals("entry 1: mismatched number of certs and keys", assertThrows(IllegalArgumentException.class,
                () -> read("{\"sni\": \"a.test.com\", \"cert\": \"c\", \"key\": \"k\", \"certs\": [\"c2\"]}")).getMessage());
    }

    @Test
    void theSameObject_readsAsEqualSpecs() throws Exception {
        JsonNode json = JSON.readTree("{\"snis\": [\"a.test.com\"], \"cert\": \"c\", \"key\": \"k\"}");
        assertEquals(SslObject.fromJson("1", json).spec(), SslObject.fromJson("1", json.deepCopy()).spec(),
                "the bindings file tells changed entries from unchanged ones by equality");
    }
}
