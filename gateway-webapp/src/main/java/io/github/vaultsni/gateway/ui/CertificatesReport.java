package io.github.vaultsni.gateway.ui;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.vaultsni.pem.CertifiedKey;
import io.github.vaultsni.secret.SecretObjectStatus;
import io.github.vaultsni.secret.SecretReference;
import io.github.vaultsni.registry.SslObjectRegistry;
import io.github.vaultsni.registry.SniEntrySpec;
import io.github.vaultsni.registry.SniEntryStatus;

import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * What the certificates page shows, as JSON: {@code now}, then per SSL object its {@code id}, {@code snis},
 * {@code state}, {@code error}, {@code subject}, {@code issuer}, {@code not_after} (ISO 8601) and the
 * {@code references} it reads, each with the {@code secret_object} it goes through ({@code env} for
 * {@code $env://}), and {@code revocation} when it checks client certificates against a revocation list (as
 * {@code GET /ssls/{id}/status} shows it); then each secret object as {@link SecretObjectStatus#toMap()} shows it: whether its Vault is
 * {@code reachable}, its last read and failure, how it authenticates and when its token expires. References and
 * settings, never values or tokens: nothing here is secret.
 */
final class CertificatesReport {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private CertificatesReport() {
    }

    static ObjectNode of(SslObjectRegistry registry, Instant now) {
        ObjectNode report = JSON.objectNode().put("now", now.toString());
        ArrayNode ssls = report.putArray("ssls");
        for (SniEntryStatus status : registry.status()) {
            ObjectNode ssl = ssls.addObject().put("id", status.id())
                    .put("state", status.state().name().toLowerCase(Locale.ROOT)).put("error", status.error())
                    .put("subject", status.subject())
                    .put("not_after", status.notAfter() == null ? null : status.notAfter().toString());
            ssl.put("issuer", registry.entry(status.id()).map(e -> e.keys().get(0)).map(CertifiedKey::leaf)
                    .map(leaf -> leaf.getIssuerX500Principal().getName()).orElse(null));
            ArrayNode snis = ssl.putArray("snis");
            registry.spec(status.id()).map(SniEntrySpec::snis).orElse(List.of()).forEach(snis::add);
            registry.revocationStatus(status.id()).ifPresent(list -> ssl.set("revocation", MAPPER.valueToTree(list)));
            ArrayNode references = ssl.putArray("references");
            for (String reference : status.references()) {
                references.addObject().put("reference", reference).put("secret_object", secretObject(reference));
            }
        }
        ArrayNode objects = report.putArray("secret_objects");
        for (SecretObjectStatus object : registry.resolver().secretObjects()) {
            objects.add(MAPPER.valueToTree(object.toMap()));
        }
        return report;
    }

    /** {@code vault/<id>} for {@code $secret://vault/<id>/...}; {@code env} for {@code $env://}; null if malformed. */
    private static String secretObject(String reference) {
        try {
            SecretReference parsed = SecretReference.parse(reference);
            return parsed.scheme() == SecretReference.Scheme.ENV ? "env" : parsed.location().secretObject();
        } catch (IllegalArgumentException malformed) {
            return null;
        }
    }
}
