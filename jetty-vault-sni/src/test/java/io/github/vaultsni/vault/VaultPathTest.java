package io.github.vaultsni.vault;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Vault paths made of checked segments: what a user may name, and what never reaches a request. */
class VaultPathTest {

    @Test
    void segments_areCheckedWhenMade() {
        for (String ok : List.of("pki", "kv-v2", "web_01", "a.b", "x~y", "name@host", "a:b", "v=1")) {
            assertTrue(VaultPath.isSegment(ok), ok);
        }
        for (String bad : List.of("", ".", "..", "a/b", "a?b", "a#b", "a%2e", "a b", "a\\b", "a\u0000b", "a\nb", "\u00e9")) {
            assertFalse(VaultPath.isSegment(bad), bad);
            assertThrows(IllegalArgumentException.class, () -> VaultPath.of(bad), bad);
        }
    }

    @Test
    void parse_splitsAtSlashes_andRefusesAnyBadSegment() {
        assertEquals(List.of("team", "kv"), VaultPath.parse("/team/kv/", "prefix").segments());
        assertTrue(VaultPath.parse("", "prefix").isEmpty());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> VaultPath.parse("kv/../sys/raw", "secret path"));
        assertEquals("secret path: \"..\" is not a Vault path segment (letters, digits and -._~!$&'()*+,;=:@, not . or ..)",
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> VaultPath.parse("kv//x", "prefix"), "an empty segment");
    }

    @Test
    void resolve_joins_andSettingsBuildFullPathsFromSegments() {
        assertEquals("pki/sign/gateway", VaultPath.parse("pki", "mount").resolve("sign", "gateway").toString());
        VaultSettings settings = VaultSettings.builder("http://127.0.0.1:8200").prefix("kv/apisix").auth(VaultAuth.token("t"))
                .build();
        assertEquals("kv/apisix/ssl/www", settings.fullPath("ssl/www").toString());
        assertThrows(IllegalArgumentException.class, () -> settings.fullPath("../../sys/raw"));
        assertThrows(IllegalArgumentException.class, () -> VaultSettings.builder("http://127.0.0.1:8200").prefix("kv/.."));
    }
}
