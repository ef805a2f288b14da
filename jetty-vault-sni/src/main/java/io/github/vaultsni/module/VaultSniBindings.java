package io.github.vaultsni.module;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.vaultsni.sni.SniCertificateRegistry;
import io.github.vaultsni.sni.SniEntrySpec;
import io.github.vaultsni.sni.SslObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The bindings file ({@code etc/vault-sni.json}): a JSON array of SSL objects, APISIX's shape
 * ({@code {"id", "snis" or "sni", "cert", "key", "certs", "keys", "ssl_protocols", "client", "status"}}; the id
 * defaults to the first SNI). {@link #reload()} applies it to the registry: new and changed entries are put,
 * entries gone from the file are removed. A file that does not parse changes nothing and is reported in one line.
 */
final class VaultSniBindings {
    private static final Logger LOG = LoggerFactory.getLogger(VaultSniBindings.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final SniCertificateRegistry registry;
    private Map<String, SniEntrySpec> applied = Map.of();
    private String lastContent;

    VaultSniBindings(Path file, SniCertificateRegistry registry) {
        this.file = file;
        this.registry = registry;
    }

    /** Applies the file if its content changed since the last call. */
    synchronized void reload() {
        String content;
        try {
            content = Files.readString(file);
        } catch (NoSuchFileException e) {
            content = "[]";
        } catch (IOException e) {
            LOG.warn("cannot read the bindings file {}: {}", file, e.toString());
            return;
        }
        if (content.equals(lastContent)) {
            return;
        }
        lastContent = content;
        Map<String, SniEntrySpec> wanted;
        try {
            wanted = parse(content);
        } catch (IOException | IllegalArgumentException e) {
            LOG.warn("bindings file {} not applied, the previous bindings stay: {}", file, e.getMessage());
            return;
        }
        Set<String> gone = new HashSet<>(applied.keySet());
        gone.removeAll(wanted.keySet());
        gone.forEach(registry::remove);
        wanted.forEach((id, spec) -> {
            if (!spec.equals(applied.get(id))) {
                registry.put(spec);
            }
        });
        applied = wanted;
        LOG.info("bindings file {} applied: {} entries", file, wanted.size());
    }

    private static Map<String, SniEntrySpec> parse(String content) throws IOException {
        JsonNode root = JSON.readTree(content.isBlank() ? "[]" : content);
        if (!root.isArray()) {
            throw new IllegalArgumentException("the file must hold a JSON array of SSL objects");
        }
        Map<String, SniEntrySpec> specs = new LinkedHashMap<>();
        int index = 0;
        for (JsonNode ssl : root) {
            index++;
            String id = ssl.hasNonNull("id") ? ssl.get("id").asText()
                    : ssl.hasNonNull("sni") ? ssl.get("sni").asText() : ssl.path("snis").path(0).asText("entry-" + index);
            if (specs.put(id, SslObject.fromJson(id, ssl).spec()) != null) {
                throw new IllegalArgumentException("entry " + id + " appears twice");
            }
        }
        return specs;
    }
}
