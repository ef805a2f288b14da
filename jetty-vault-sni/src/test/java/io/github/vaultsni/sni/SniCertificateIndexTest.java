package io.github.vaultsni.sni;

import io.github.vaultsni.pem.CertifiedKey;
import io.github.vaultsni.testsupport.TestPki;
import io.github.vaultsni.testsupport.TestPki.Issued;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The lookup order and the choice between entries, without TLS. */
class SniCertificateIndexTest {
    private static Issued ca;
    private static CertifiedKey key;

    @BeforeAll
    static void pki() {
        ca = TestPki.rootCa("CA", "EC");
        key = TlsServerFixture.certifiedKey(ca.leaf("EC", "x.example"));
    }

    private static SniEntry entry(String id, String... snis) {
        return SniEntry.of(id, List.of(snis).stream().map(SniNames::normalize).toList(), List.of(key));
    }

    private static SniCertificateIndex index(String defaultId, SniEntry... entries) {
        return SniCertificateIndex.build(List.of(entries), defaultId, SniEntryPreference.newestValid(), Instant.now());
    }

    @Test
    void lookup_exactThenOneLabelWildcardThenAny() {
        SniCertificateIndex index = index(null, entry("exact", "www.test.com"), entry("wild", "*.test.com"),
                entry("any", "*"));
        assertEquals("exact", index.lookup("www.test.com").id());
        assertEquals("wild", index.lookup("api.test.com").id());
        assertEquals("any", index.lookup("test.com").id());
        assertEquals("any", index.lookup("a.b.test.com").id());
        assertEquals("any", index.lookup("localhost").id());
        assertNull(index.lookup(null), "no SNI and no default");
    }

    @Test
    void lookup_withoutCatchAll_missesNestedAndBareParent() {
        SniCertificateIndex index = index(null, entry("wild", "*.test.com"));
        assertNull(index.lookup("test.com"));
        assertNull(index.lookup("a.b.test.com"));
    }

    @Test
    void lookup_noSniGetsTheDefaultEntry() {
        assertEquals("fallback", index("fallback", entry("fallback", "fallback.example")).lookup(null).id());
    }

    @Test
    void lookup_noSniGetsTheFallbackSnisEntry_asThatNameWouldGetIt() {
        SniCertificateIndex index = index(null, entry("exact", "www.test.com"), entry("wild", "*.test.com"));
        assertEquals("exact", index.withFallbackSni("WWW.test.com.").lookup(null).id());
        assertEquals("wild", index.withFallbackSni("api.test.com").lookup(null).id());
        assertNull(index.withFallbackSni("other.example").lookup(null), "a name nothing serves: refused as before");
        assertNull(index.withFallbackSni(null).lookup(null));
        assertEquals("exact", index(null, entry("exact", "www.test.com")).withFallbackSni("www.test.com")
                .lookup("www.test.com").id(), "names that are sent are looked up as before");
    }

    @Test
    void lookup_theDefaultEntryComesBeforeTheFallbackSni() {
        assertEquals("fallback", index("fallback", entry("fallback", "fallback.example"), entry("wild", "*.test.com"))
                .withFallbackSni("api.test.com").lookup(null).id());
    }

    @Test
    void contestedName_goesToTheCurrentlyValidNewestCertificate_thenSmallerId() {
        Instant now = Instant.now();
        CertifiedKey older = TlsServerFixture.certifiedKey(ca.leaf("EC", now.minus(Duration.ofDays(10)),
                now.plus(Duration.ofDays(10)), "dup.example"));
        CertifiedKey newer = TlsServerFixture.certifiedKey(ca.leaf("EC", now.minus(Duration.ofDays(1)),
                now.plus(Duration.ofDays(10)), "dup.example"));
        CertifiedKey expiredButNewest = TlsServerFixture.certifiedKey(ca.leaf("EC", now.minus(Duration.ofHours(2)),
                now.minus(Duration.ofHours(1)), "dup.example"));
        SniEntry a = SniEntry.of("a", List.of("dup.example"), List.of(older));
        SniEntry b = SniEntry.of("b", List.of("dup.example"), List.of(newer));
        SniEntry c = SniEntry.of("c", List.of("dup.example"), List.of(expiredButNewest));
        assertEquals("b", index(null, a, b, c).lookup("dup.example").id());
        assertEquals("b", index(null, c, b, a).lookup("dup.example").id(), "independent of order");
        SniEntry twin = SniEntry.of("a2", List.of("dup.example"), List.of(newer));
        assertEquals("a2", index(null, b, twin).lookup("dup.example").id(), "ties go to the smaller id");
    }

    @Test
    void entry_rejectsTwoKeysOfOneTypeAndUnknownProtocols() {
        assertEquals("entry e: two EC certificates; give one per key type",
                org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                        () -> SniEntry.of("e", List.of("e.example"), List.of(key, key))).getMessage());
        assertEquals("entry e: unknown protocol SSLv3 (TLSv1.1, TLSv1.2, TLSv1.3)",
                org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                        () -> SniEntry.builder("e").snis(List.of("e.example")).keys(List.of(key)).protocols(Set.of("SSLv3")).build())
                        .getMessage());
    }
}
