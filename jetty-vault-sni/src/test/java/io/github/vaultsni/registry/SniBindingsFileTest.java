package io.github.vaultsni.registry;

import io.github.vaultsni.testsupport.TestPki;
import io.github.vaultsni.testsupport.TestPki.Issued;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.ObjectMapper;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A real file of APISIX SSL objects, applied, changed, broken and watched. */
@Timeout(30)
class SniBindingsFileTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Issued root;

    @TempDir
    Path dir;
    /** What the files are bound to. */
    @AutoClose
    private final BoundRegistry bound = new BoundRegistry();

    @BeforeAll
    static void pki() {
        root = TestPki.rootCa("ROOTCA", "RSA");
    }


    private static Map<String, Object> sslObject(String sni) {
        Issued leaf = root.leaf("RSA", sni);
        return Map.of("sni", sni, "cert", leaf.certificatePem(), "key", leaf.privateKeyPem());
    }

    private void write(Path file, Object content) throws Exception {
        Files.writeString(file, JSON.writeValueAsString(content));
    }

    @Test
    void reload_appliesTheFile_theIdDefaultingToTheSni_andAMissingFileBindsNothing() throws Exception {
        Path file = dir.resolve("vault-sni.json");
        SniBindingsFile bindingsFile = new SniBindingsFile(file, bound.bindings, bound.runtime.scheduler());
        bindingsFile.reload().get(10, TimeUnit.SECONDS);
        assertEquals(Set.of(), bound.bindings.ids());

        write(file, List.of(sslObject("test.com"), sslObject("example.org")));
        bindingsFile.reload().get(10, TimeUnit.SECONDS);
        assertEquals(Set.of("test.com", "example.org"), bound.bindings.ids(file.toString()));
        assertEquals(SniEntryStatus.State.ACTIVE, bound.registry.status("test.com").orElseThrow().state());

        Files.delete(file);
        bindingsFile.reload().get(10, TimeUnit.SECONDS);
        assertTrue(bound.registry.status().isEmpty());
    }

    @Test
    void aFileThatDoesNotParse_changesNothing() throws Exception {
        Path file = dir.resolve("vault-sni.json");
        SniBindingsFile bindingsFile = new SniBindingsFile(file, bound.bindings, bound.runtime.scheduler());
        write(file, List.of(sslObject("test.com")));
        bindingsFile.reload().get(10, TimeUnit.SECONDS);
        Files.writeString(file, "[{\"sni\": \"example.org\"");
        bindingsFile.reload().get(10, TimeUnit.SECONDS);
        write(file, Map.of("sni", "example.org"));
        bindingsFile.reload().get(10, TimeUnit.SECONDS);
        assertEquals(Set.of("test.com"), bound.bindings.ids());
    }

    @Test
    void aFileRefusedForAnIdAnotherSourceBinds_isAppliedOnceThatSourceLetsGo_withoutAnEdit() throws Exception {
        Path file = dir.resolve("vault-sni.json");
        SniEntrySpec fromProperties = SslObject.parse("test.com", JSON.valueToTree(sslObject("test.com")));
        bound.bindings.apply("properties", List.of(fromProperties)).get(10, TimeUnit.SECONDS);
        SniBindingsFile bindingsFile = new SniBindingsFile(file, bound.bindings, bound.runtime.scheduler());
        write(file, List.of(sslObject("test.com")));
        bindingsFile.reload().get(10, TimeUnit.SECONDS);
        assertEquals(Set.of(), bound.bindings.ids(file.toString()), "refused: properties bind test.com");

        bound.bindings.apply("properties", List.of()).get(10, TimeUnit.SECONDS);
        bindingsFile.reload().get(10, TimeUnit.SECONDS);
        assertEquals(Set.of("test.com"), bound.bindings.ids(file.toString()), "the unchanged file, applied now");
    }

    @Test
    void watch_appliesEachChange() throws Exception {
        Path file = dir.resolve("vault-sni.json");
        write(file, List.of(sslObject("test.com")));
        try (SniBindingsFile bindingsFile = new SniBindingsFile(file, bound.bindings, bound.runtime.scheduler())) {
            bindingsFile.watch(Duration.ofMillis(100)).get(10, TimeUnit.SECONDS);
            assertEquals(Set.of("test.com"), bound.bindings.ids());
            write(file, List.of(sslObject("example.org")));
            await().atMost(Duration.ofSeconds(10)).until(() -> bound.registry.status("example.org")
                    .filter(s -> s.state() == SniEntryStatus.State.ACTIVE).isPresent());
            assertEquals(Set.of("example.org"), bound.bindings.ids());
        }
    }
}
