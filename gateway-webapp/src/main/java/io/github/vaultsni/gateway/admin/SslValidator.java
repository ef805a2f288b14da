package io.github.vaultsni.gateway.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.vaultsni.registry.InvalidSslObjectException;
import io.github.vaultsni.registry.SniEntrySpec;
import io.github.vaultsni.registry.SslObject;
import io.github.vaultsni.registry.SslObjectViolation;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An SSL object: APISIX's schema ({@code schema/ssl.json}), then the library's one reader ({@link SslObject}),
 * whose typed violations are worded here as APISIX words what it checks in code ({@code apisix/ssl.lua
 * check_ssl_conf}): "failed to parse cert: ...", "failed to handle cert-key pair[1]: ...",
 * "mismatched number of certs and keys", "failed to validate client_cert: ..."; ours (a key that does not match its
 * certificate, a malformed reference, a bad {@code skip_mtls_uri_regex}, an {@code issuer} with certificates) as
 * "invalid configuration: ..." naming the property.
 */
final class SslValidator implements Validator {
    /** APISIX's words for a certificate or key that does not parse: OpenSSL's function names, scripts match them. */
    private static final String OPENSSL_CERT = "PEM_read_bio_X509_AUX() failed";
    private static final String OPENSSL_KEY = "PEM_read_bio_PrivateKey() failed";
    private static final Pattern PAIR = Pattern.compile("(certs|keys)\\[(\\d+)]");

    @Override
    public void validate(ObjectNode ssl, Lookup lookup) {
        String id = ssl.path("id").asText();
        List<SslObjectViolation> shape;
        SniEntrySpec spec = null;
        try {
            spec = SslObject.parse(id, ssl);
            shape = List.of();
        } catch (InvalidSslObjectException e) {
            shape = e.violations();
        }
        // Ours first: APISIX's schema has no issuer, and would word an issued object's missing cert its own way.
        shape.stream().filter(v -> v.kind() == SslObjectViolation.Kind.CONFLICT).findFirst().ifPresent(v -> {
            throw worded(v);
        });
        JsonSchemas.apisix().check("ssl.json", ssl);
        if (!shape.isEmpty()) {
            throw worded(shape.get(0));
        }
        SslObject.checkWritten(spec).stream().findFirst().ifPresent(v -> {
            throw worded(v);
        });
    }

    /** A violation as APISIX words the check, or as an invalid property where the check is ours. */
    private static AdminException worded(SslObjectViolation violation) {
        String pair = pairPrefix(violation.field());
        return switch (violation.kind()) {
            case BAD_CERTIFICATE -> violation.field().equals("client.ca")
                    ? AdminException.badRequest("failed to validate client_cert: failed to parse cert: " + OPENSSL_CERT)
                    : AdminException.badRequest(pair + "failed to parse cert: " + OPENSSL_CERT);
            case BAD_KEY -> AdminException.badRequest(pair + "failed to parse key: " + OPENSSL_KEY);
            case KEY_MISMATCH -> AdminException.badRequest(pair + "failed to match cert and key: " + violation.detail());
            case MISMATCHED_PAIRS -> AdminException.badRequest(violation.detail());
            case BAD_REFERENCE -> AdminException.invalid("property \"" + property(violation.field())
                    + "\" validation failed: " + violation.detail());
            case BAD_VALUE -> violation.field().equals("client.skip_mtls_uri_regex")
                    ? AdminException.invalid("property \"client\" validation failed: property \"skip_mtls_uri_regex\" "
                    + "validation failed: " + violation.detail())
                    : AdminException.invalid(violation.detail());
            case MISSING, CONFLICT -> AdminException.invalid(violation.detail());
        };
    }

    /** APISIX numbers pairs from 1: {@code certs[0]} is "cert-key pair[1]"; the main pair has no prefix. */
    private static String pairPrefix(String field) {
        Matcher m = PAIR.matcher(field);
        return m.matches() ? "failed to handle cert-key pair[" + (Integer.parseInt(m.group(2)) + 1) + "]: " : "";
    }

    /** The property as written in the request: {@code certs[0]} is in {@code certs}. */
    private static String property(String field) {
        Matcher m = PAIR.matcher(field);
        return m.matches() ? m.group(1) : field;
    }
}
