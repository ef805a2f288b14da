package io.github.vaultsni.registry;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.vaultsni.issuer.IssuerSpec;
import io.github.vaultsni.keyless.SignerSpec;
import io.github.vaultsni.revocation.RevocationSpec;
import io.github.vaultsni.pem.Pem;
import io.github.vaultsni.pem.PemException;
import io.github.vaultsni.registry.SslObjectViolation.Kind;
import io.github.vaultsni.secret.SecretReference;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.function.Function;

/**
 * The one reader of an APISIX SSL object, for the gateway's admin API and store, the {@code vault-sni} module's
 * bindings file and Spring Boot's properties alike: its JSON ({@code sni}/{@code snis}, {@code cert}, {@code key},
 * {@code certs}, {@code keys}, {@code status}, {@code ssl_protocols}, {@code type}, {@code client {ca, depth,
 * skip_mtls_uri_regex}}, or ours, {@code issuer {vault_pki {...}}} instead of the certificates, {@code signer
 * {vault_transit {...}}} instead of the key, {@code client.revocation}) becomes an
 * {@link SniEntrySpec}, and what is wrong becomes typed {@link SslObjectViolation}s each door words as it must.
 *
 * <p>Two steps: {@link #parse} checks the shape (cheap: what a stored object is read with at every start), and
 * {@link #checkWritten} parses inline PEM and checks the issuer's bounds (what a new object is checked with when it is
 * written; one stored before a bound existed is served within it).
 */
public final class SslObject {
    private SslObject() {
    }

    /**
     * Reads an SSL object.
     *
     * @throws InvalidSslObjectException listing what is wrong
     */
    public static SniEntrySpec parse(String id, JsonNode ssl) {
        SniEntrySpec.Builder spec = SniEntrySpec.builder(id)
                .snis(snis(ssl))
                .enabled(ssl.path("status").asInt(1) != 0)
                .protocols(new LinkedHashSet<>(texts(ssl.path("ssl_protocols"))));
        if (ssl.has("issuer")) {
            spec.issuer(issuer(id, ssl.get("issuer")));
        }
        SniEntrySpec.Type type = "client".equals(ssl.path("type").asText("server")) ? SniEntrySpec.Type.CLIENT
                : SniEntrySpec.Type.SERVER;
        spec.type(type).certificate(text(ssl, "cert"), text(ssl, "key"));
        if (ssl.hasNonNull("signer")) {
            spec.signer(ours(id, "signer", ssl.get("signer"), SignerSpec::fromJson));
        }
        if (type == SniEntrySpec.Type.SERVER) {
            // APISIX presents a client object's cert and key to upstreams, and nothing else of it
            spec.moreCertificates(texts(ssl.path("certs")), texts(ssl.path("keys")));
        }
        JsonNode client = ssl.path("client");
        if (!client.isMissingNode() && !client.isNull()) {
            spec.clientCertificates(text(client, "ca"), Math.max(1, client.path("depth").asInt(1)),
                    texts(client.path("skip_mtls_uri_regex")));
            if (client.hasNonNull("revocation")) {
                spec.clientRevocation(ours(id, "client.revocation", client.get("revocation"), RevocationSpec::fromJson));
            }
        }
        return spec.build();
    }

    /**
     * What a new object is checked with, past its shape: the inline PEM of {@code spec}, parsed as it will be served
     * (each certificate, each key, whether each key belongs to its certificate, the client CA; references are checked
     * when they are resolved), and its issuer's upper bounds. Empty: all good.
     */
    public static List<SslObjectViolation> checkWritten(SniEntrySpec spec) {
        List<SslObjectViolation> violations = new ArrayList<>();
        if (spec.issuer() != null) {
            spec.issuer().pastBounds().forEach(past -> violations.add(new SslObjectViolation(Kind.BAD_VALUE,
                    "issuer.vault_pki", past)));
        }
        if (spec.issuer() == null) {
            if (spec.signer() != null) {
                certificate(spec.cert(), "cert", violations); // its key is checked against Vault's when it is applied
            } else {
                pair(spec.cert(), "cert", spec.key(), "key", violations);
            }
            for (int i = 0; i < Math.min(spec.certs().size(), spec.keys().size()); i++) {
                pair(spec.certs().get(i), "certs[" + i + "]", spec.keys().get(i), "keys[" + i + "]", violations);
            }
        }
        if (spec.clientCa() != null && !SecretReference.isReference(spec.clientCa())) {
            try {
                Pem.decodeCertificates("client.ca", spec.clientCa());
            } catch (PemException e) {
                violations.add(new SslObjectViolation(Kind.BAD_CERTIFICATE, "client.ca", e.reason()));
            }
        }
        return violations;
    }

    /** {@link #parse}, then {@link #checkWritten}: for an object being written. */
    public static SniEntrySpec parseAndCheck(String id, JsonNode ssl) {
        SniEntrySpec spec = parse(id, ssl);
        List<SslObjectViolation> pem = checkWritten(spec);
        if (!pem.isEmpty()) {
            throw new InvalidSslObjectException(id, pem);
        }
        return spec;
    }

    private static void pair(String cert, String certField, String key, String keyField,
                             List<SslObjectViolation> violations) {
        boolean inlineCert = !SecretReference.isReference(cert);
        boolean inlineKey = !SecretReference.isReference(key);
        int before = violations.size();
        certificate(cert, certField, violations);
        if (inlineKey) {
            try {
                Pem.decodePrivateKey(keyField, key, null);
            } catch (PemException e) {
                violations.add(new SslObjectViolation(Kind.BAD_KEY, keyField, e.reason()));
            }
        }
        if (inlineCert && inlineKey && violations.size() == before) {
            try {
                Pem.decodeCertifiedKey(certField, cert, keyField, key, null);
            } catch (PemException e) {
                violations.add(new SslObjectViolation(Kind.KEY_MISMATCH, keyField, e.reason()));
            }
        }
    }

    /** An inline certificate that does not parse is a violation of its field; a reference is checked when resolved. */
    private static void certificate(String cert, String certField, List<SslObjectViolation> violations) {
        if (!SecretReference.isReference(cert)) {
            try {
                Pem.decodeCertificates(certField, cert);
            } catch (PemException e) {
                violations.add(new SslObjectViolation(Kind.BAD_CERTIFICATE, certField, e.reason()));
            }
        }
    }

    /** {@code issuer.vault_pki}, read by the issuer's own reader; what it refuses is a violation of that field. */
    private static IssuerSpec issuer(String id, JsonNode issuer) {
        if (!issuer.has("vault_pki")) {
            throw new InvalidSslObjectException(id, List.of(new SslObjectViolation(Kind.MISSING, "issuer",
                    "issuer needs vault_pki")));
        }
        return ours(id, "issuer.vault_pki", issuer.get("vault_pki"), IssuerSpec::fromJson);
    }

    /** A block of ours, read by its own reader; what that refuses is a violation of {@code field}. */
    private static <T> T ours(String id, String field, JsonNode block, Function<JsonNode, T> reader) {
        try {
            return reader.apply(block);
        } catch (IllegalArgumentException e) {
            throw new InvalidSslObjectException(id, List.of(new SslObjectViolation(Kind.BAD_VALUE, field, e.getMessage())));
        }
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

    private static String text(JsonNode node, String field) {
        return node.hasNonNull(field) ? node.get(field).asText() : null;
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
