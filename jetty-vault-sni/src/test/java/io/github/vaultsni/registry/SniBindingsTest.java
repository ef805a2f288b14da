package io.github.vaultsni.registry;

import io.github.vaultsni.testsupport.TestPki;
import io.github.vaultsni.testsupport.TestPki.Issued;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Whole lists applied per source to a real registry: puts, removals, untouched entries, ownership. */
class SniBindingsTest {
    private static Issued root;
    private static Issued testCom;
    private static Issued exampleOrg;

    @AutoClose
    private final BoundRegistry bound = new BoundRegistry();
    private final SslObjectRegistry registry = bound.registry;
    private final SniBindings bindings = bound.bindings;

    @BeforeAll
    static void pki() {
        root = TestPki.rootCa("ROOTCA", "EC");
        testCom = root.leaf("EC", "test.com");
        exampleOrg = root.leaf("EC", "example.org");
    }


    /** An entry serving {@code leaf} for its CN, the one name the leaves here have. */
    private static SniEntrySpec spec(String id, Issued leaf) {
        String name = leaf.certificate().getSubjectX500Principal().getName().replaceFirst("^CN=", "");
        return SniEntrySpec.of(id, List.of(name), leaf.certificatePem(), leaf.privateKeyPem());
    }

    private void apply(String source, SniEntrySpec... specs) throws Exception {
        bindings.apply(source, List.of(specs)).get(10, TimeUnit.SECONDS);
    }

    @Test
    void apply_putsTheList_thenRemovesWhatItNoLongerLists() throws Exception {
        apply("properties", spec("a", testCom), spec("b", exampleOrg));
        assertEquals(SniEntryStatus.State.ACTIVE, registry.status("a").orElseThrow().state());
        assertEquals(SniEntryStatus.State.ACTIVE, registry.status("b").orElseThrow().state());

        apply("properties", spec("b", exampleOrg));
        assertTrue(registry.status("a").isEmpty(), "a is gone from the registry");
        assertNull(registry.certificates().current().lookup("test.com"), "and from what is served");
        assertEquals(Set.of("b"), bindings.ids());
    }

    @Test
    void anUnchangedEntry_isNotRebuilt() throws Exception {
        apply("properties", spec("a", testCom), spec("b", exampleOrg));
        long generation = registry.entry("a").orElseThrow().generation();
        apply("properties", spec("a", testCom), spec("b", root.leaf("EC", "example.org")));
        assertEquals(generation, registry.entry("a").orElseThrow().generation());
    }

    @Test
    void anIdOfAnotherSource_isRefused_andNothingChanges() throws Exception {
        apply("file", spec("a", testCom));
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> bindings.apply("properties", List.of(spec("b", exampleOrg), spec("a", testCom))));
        assertEquals("properties: entry a is already bound by file", refused.getMessage());
        assertTrue(registry.status("b").isEmpty());
        assertEquals(Set.of("a"), bindings.ids("file"));
        assertEquals(Set.of(), bindings.ids("properties"));
    }

    @Test
    void anIdListedTwice_isRefused() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> bindings.apply("properties", List.of(spec("a", testCom), spec("a", exampleOrg))));
        assertEquals("properties: entry a appears twice", refused.getMessage());
    }

    @Test
    void listeners_hearTheBoundIds_atOnceAndAfterEachChange() throws Exception {
        List<Set<String>> heard = new ArrayList<>();
        bindings.addListener(heard::add);
        apply("file", spec("a", testCom));
        apply("properties", spec("b", exampleOrg));
        apply("file");
        assertEquals(List.of(Set.of(), Set.of("a"), Set.of("a", "b"), Set.of("b")), heard);
    }
}
