package io.github.vaultsni.sni;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SniNamesTest {

    @ParameterizedTest
    @CsvSource({
            "Example.COM, example.com",
            "example.com., example.com",
            "*.Example.com., *.example.com",
            "*, *",
            "bücher.example, xn--bcher-kva.example",
            "*.bücher.example, *.xn--bcher-kva.example",
            "[::1], [::1]"})
    void normalize_configuredNames(String given, String expected) {
        assertEquals(expected, SniNames.normalize(given));
    }

    @Test
    void normalize_rejectsWhatIsNotAName() {
        assertEquals("invalid sni \"a b.com\": does not match ^\\*$|^\\*?[0-9a-zA-Z-._\\[\\]:]+$",
                assertThrows(IllegalArgumentException.class, () -> SniNames.normalize("a b.com")).getMessage());
        assertEquals("invalid sni \"\": empty", assertThrows(IllegalArgumentException.class, () -> SniNames.normalize("")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> SniNames.normalize("*foo.com"));
        assertThrows(IllegalArgumentException.class, () -> SniNames.normalize("a.*.com"));
    }

    @Test
    void normalizeClientName_lowerCasesAndDropsTrailingDot_withoutCopyingWhenClean() {
        assertEquals("www.example.com", SniNames.normalizeClientName("WWW.Example.COM."));
        String clean = "www.example.com";
        assertEquals(clean, SniNames.normalizeClientName(clean));
        assertEquals(true, clean == SniNames.normalizeClientName(clean));
    }
}
