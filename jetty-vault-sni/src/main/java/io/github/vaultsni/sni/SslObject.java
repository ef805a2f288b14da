package io.github.vaultsni.sni;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.vaultsni.issuer.IssuerSpec;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * An APISIX SSL object read once: the one place its JSON ({@code sni}/{@code snis}, {@code cert}, {@code key},
 * {@code certs}, {@code keys}, {@code status}, {@code ssl_protocols}, {@code type}, {@code client {ca, depth,
 * skip_mtls_uri_regex}}, or ours, {@code issuer {vault_pki {...}}} instead of the certificates) becomes values, for the gateway's admin API and store alike and for the {@code vault-sni}
 * module's bindings file.
 *
 * @param type         server (served by SNI) or client (presented to upstreams)
 * @param spec         the entry to build
 * @param skipMtlsUris {@code client.skip_mtls_uri_regex}: request paths let through without a client certificate
 */
public record SslObject(String id, Type type, SniEntrySpec spec, List<Pattern> skipMtlsUris) {

    /** APISIX's {@code type}. */
    public enum Type {
        /** Served to clients whose SNI matches. */
        SERVER,
        /** A client certificate for upstream mTLS; never served. */
        CLIENT
    }

    public SslObject {
        skipMtlsUris = List.copyOf(skipMtlsUris);
    }

    /**
     * Reads an SSL object.
     *
     * @throws IllegalArgumentException when a required field is missing or a value cannot be used, saying which
     */
    public static SslObject fromJson(String id, JsonNode ssl) {
        if (ssl.has("issuer")) {
            return issued(id, ssl);
        }
        if (!ssl.hasNonNull("cert") || !ssl.hasNonNull("key")) {
            throw new IllegalArgumentException("entry " + id + ": cert and key are required");
        }
        Type type = "client".equals(ssl.path("type").asText("server")) ? Type.CLIENT : Type.SERVER;
        JsonNode client = ssl.path("client");
        List<Pattern> skip = new ArrayList<>();
        client.path("skip_mtls_uri_regex").forEach(regex -> skip.add(pattern(regex.asText())));
        SniEntrySpec spec = SniEntrySpec.builder(id)
                .snis(snis(ssl))
                .certificate(ssl.get("cert").asText(), ssl.get("key").asText())
                // APISIX presents a client object's cert and key to upstreams, and nothing else of it
                .moreCertificates(type == Type.SERVER ? texts(ssl.path("certs")) : List.of(),
                        type == Type.SERVER ? texts(ssl.path("keys")) : List.of())
                .enabled(ssl.path("status").asInt(1) != 0)
                .protocols(new LinkedHashSet<>(texts(ssl.path("ssl_protocols"))))
                .clientCertificates(client.hasNonNull("ca") ? client.get("ca").asText() : null,
                        Math.max(1, client.path("depth").asInt(1)), !skip.isEmpty())
                .build();
        return new SslObject(id, type, spec, skip);
    }

    /** An object whose certificates are issued ({@code issuer.vault_pki}): always a server object. */
    private static SslObject issued(String id, JsonNode ssl) {
        if (!ssl.path("issuer").has("vault_pki")) {
            throw new IllegalArgumentException("entry " + id + ": issuer needs vault_pki");
        }
        if (ssl.has("client")) {
            throw new IllegalArgumentException("entry " + id + ": client certificates are not asked for on issued objects");
        }
        SniEntrySpec spec = SniEntrySpec.builder(id)
                .snis(snis(ssl))
                .issuer(IssuerSpec.fromJson(ssl.path("issuer").path("vault_pki")))
                .enabled(ssl.path("status").asInt(1) != 0)
                .protocols(new LinkedHashSet<>(texts(ssl.path("ssl_protocols"))))
                .build();
        return new SslObject(id, Type.SERVER, spec, List.of());
    }

    /** {@code sni} then {@code snis}. */
    private static List<String> snis(JsonNode ssl) {
        List<String> snis = new ArrayList<>();
        if (ssl.hasNonNull("sni")) {
            snis.add(ssl.get("sni").asText());
        }
        snis.addAll(texts(ssl.path("snis")));
        return snis;
    }

    private static Pattern pattern(String regex) {
        try {
            return Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("property \"client\" validation failed: property \"skip_mtls_uri_regex\" "
                    + "validation failed: invalid regex " + regex, e);
        }
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
