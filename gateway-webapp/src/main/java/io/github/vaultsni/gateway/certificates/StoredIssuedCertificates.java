package io.github.vaultsni.gateway.certificates;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.vaultsni.gateway.store.ConfigStore;
import io.github.vaultsni.gateway.store.SecretCipher;
import io.github.vaultsni.gateway.store.StoredKind;
import io.github.vaultsni.gateway.store.StoredObject;
import io.github.vaultsni.issuer.IssuedCertificate;
import io.github.vaultsni.issuer.IssuedCertificateStore;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Issued certificates in the configuration store, at {@code /apisix/issued/<ssl id>/<unit>}, their private key
 * encrypted as other secrets are: a restarted gateway serves them at once, and the nodes of an etcd cluster share
 * them (an offer is the store's atomic read-modify-write, a compare-and-set in etcd, so the first node to issue
 * wins and the others adopt its certificate).
 */
public final class StoredIssuedCertificates implements IssuedCertificateStore {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ConfigStore store;
    private final SecretCipher cipher;

    public StoredIssuedCertificates(ConfigStore store, SecretCipher cipher) {
        this.store = store;
        this.cipher = cipher;
    }

    @Override
    public Optional<IssuedCertificate> load(String objectId, String unit) {
        return store.get(key(objectId, unit)).flatMap(this::read);
    }

    @Override
    public IssuedCertificate offer(String objectId, String unit, IssuedCertificate candidate,
                                   Predicate<IssuedCertificate> keepCurrent) {
        ConfigStore.UpdateOutcome outcome = store.updateIf(key(objectId, unit), current ->
                current.flatMap(this::read).filter(keepCurrent).isPresent() ? Optional.empty() : Optional.of(write(candidate)));
        return outcome instanceof ConfigStore.Kept kept
                ? kept.current().flatMap(this::read).orElseThrow() // the one another node (or an earlier renewal) stored
                : candidate;
    }

    @Override
    public void remove(String objectId, String unit) {
        store.delete(key(objectId, unit));
    }

    @Override
    public void removeAll(String objectId) {
        store.list(StoredKind.ISSUED.key(objectId + "/")).forEach(o -> store.delete(o.key()));
    }

    private static String key(String objectId, String unit) {
        return StoredKind.ISSUED.key(objectId + "/" + unit);
    }

    private String write(IssuedCertificate certificate) {
        ObjectNode value = JSON.createObjectNode();
        certificate.names().forEach(value.putArray("names")::add);
        value.put("certificate", certificate.chainPem()).put("key", certificate.keyPem())
                .put("serial", certificate.serial()).put("not_after", certificate.notAfter().toString())
                .put("obtained", certificate.obtained().toString()).put("fingerprint", certificate.fingerprint());
        StoredKind.ISSUED.encrypt(value, cipher);
        return value.toString();
    }

    /** The stored certificate; empty when it cannot be read (then it is issued again, and overwritten). */
    private Optional<IssuedCertificate> read(StoredObject stored) {
        try {
            if (!(JSON.readTree(stored.json()) instanceof ObjectNode value)) {
                return Optional.empty();
            }
            StoredKind.ISSUED.decrypt(value, cipher);
            List<String> names = new ArrayList<>();
            value.path("names").forEach(n -> names.add(n.asText()));
            return Optional.of(new IssuedCertificate(names, text(value, "certificate"), text(value, "key"),
                    text(value, "serial"), Instant.parse(text(value, "not_after")), Instant.parse(text(value, "obtained")),
                    text(value, "fingerprint")));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static String text(JsonNode value, String field) {
        if (!value.hasNonNull(field)) {
            throw new IllegalArgumentException("no " + field);
        }
        return value.get(field).asText();
    }
}
