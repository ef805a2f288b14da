package io.github.vaultsni.sni;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * An entry as configured, before anything is resolved: the shape of an APISIX SSL object. {@code cert},
 * {@code key}, each of {@code certs}/{@code keys} and {@code clientCa} are inline PEM or references
 * ({@code $secret://...}, {@code $env://...}), resolved when the entry is built.
 *
 * @param id          the entry id
 * @param snis        names as written (normalised here); none: never chosen by SNI, only looked up by id
 * @param cert        the main certificate (chain) PEM or reference
 * @param key         its private key PEM or reference
 * @param certs       more certificates (e.g. an RSA one beside an ECDSA one); may be empty
 * @param keys        their keys, as many as {@code certs}
 * @param enabled     false: not served (APISIX {@code status: 0})
 * @param protocols   allowed TLS versions; empty: any the connector allows
 * @param clientCa    CA PEM or reference for client certificates, or null
 * @param clientDepth the longest client chain accepted, counting the client certificate (APISIX default 1)
 * @param clientCertificateOptional with {@code clientCa}: connections without a client certificate are let
 *                    through, for the HTTP layer to decide per request
 */
public record SniEntrySpec(String id, List<String> snis, String cert, String key, List<String> certs,
                           List<String> keys, boolean enabled, Set<String> protocols, String clientCa,
                           int clientDepth, boolean clientCertificateOptional) {

    public SniEntrySpec {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(cert, "cert");
        Objects.requireNonNull(key, "key");
        // No names is allowed: such an entry is never chosen by SNI (e.g. a client certificate for upstream mTLS).
        snis = snis == null ? List.of() : snis.stream().map(SniNames::normalize).distinct().toList();
        certs = certs == null ? List.of() : List.copyOf(certs);
        keys = keys == null ? List.of() : List.copyOf(keys);
        if (certs.size() != keys.size()) {
            throw new IllegalArgumentException("entry " + id + ": mismatched number of certs and keys");
        }
        protocols = protocols == null ? Set.of() : Set.copyOf(protocols);
        if (clientDepth < 1) {
            throw new IllegalArgumentException("entry " + id + ": client depth (" + clientDepth + ") must be at least 1");
        }
    }

    /** An enabled entry with one certificate and key, any protocol, no client certificates. */
    public static SniEntrySpec of(String id, List<String> snis, String cert, String key) {
        return new SniEntrySpec(id, snis, cert, key, List.of(), List.of(), true, Set.of(), null, 1, false);
    }

    /**
     * An entry from an APISIX SSL object ({@code sni}/{@code snis}, {@code cert}, {@code key}, {@code certs},
     * {@code keys}, {@code status}, {@code ssl_protocols}, {@code client {ca, depth, skip_mtls_uri_regex}}), as
     * the admin API stores them and the {@code vault-sni} module's bindings file lists them.
     */
    public static SniEntrySpec fromSslObject(String id, JsonNode ssl) {
        List<String> snis = new ArrayList<>();
        if (ssl.hasNonNull("sni")) {
            snis.add(ssl.get("sni").asText());
        }
        ssl.path("snis").forEach(s -> snis.add(s.asText()));
        Set<String> protocols = new LinkedHashSet<>();
        ssl.path("ssl_protocols").forEach(p -> protocols.add(p.asText()));
        JsonNode client = ssl.path("client");
        if (!ssl.hasNonNull("cert") || !ssl.hasNonNull("key")) {
            throw new IllegalArgumentException("entry " + id + ": cert and key are required");
        }
        return new SniEntrySpec(id, snis, ssl.get("cert").asText(), ssl.get("key").asText(), texts(ssl.path("certs")),
                texts(ssl.path("keys")), ssl.path("status").asInt(1) != 0, protocols,
                client.hasNonNull("ca") ? client.get("ca").asText() : null, Math.max(1, client.path("depth").asInt(1)),
                client.path("skip_mtls_uri_regex").size() > 0);
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    /** Every value that is or may be a reference: cert, key, certs, keys, clientCa. */
    List<String> values() {
        List<String> values = new ArrayList<>(List.of(cert, key));
        values.addAll(certs);
        values.addAll(keys);
        if (clientCa != null) {
            values.add(clientCa);
        }
        return values;
    }

    @Override
    public String toString() {
        return "SniEntrySpec{" + id + " " + snis + (enabled ? "" : ", disabled") + "}";
    }
}
