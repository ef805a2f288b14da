package io.github.vaultsni.registry;

import io.github.vaultsni.issuer.IssuerSpec;
import io.github.vaultsni.keyless.SignerSpec;
import io.github.vaultsni.revocation.RevocationSpec;
import io.github.vaultsni.registry.SslObjectViolation.Kind;
import io.github.vaultsni.secret.SecretReference;
import io.github.vaultsni.sni.SniNames;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * An SSL object as configured, before anything is resolved: what the registry builds and serves. {@code cert},
 * {@code key}, each of {@code certs}/{@code keys} and {@code clientCa} are inline PEM or references
 * ({@code $secret://...}, {@code $env://...}), resolved when the object is built. Made with {@link #builder};
 * {@link SslObject} reads one from APISIX's JSON. The object's rules are checked here, once, for every way in:
 * a spec that breaks one is never made ({@link InvalidSslObjectException} lists what is wrong).
 *
 * @param id           the SSL object's id
 * @param type         served by SNI, or presented to upstreams as a client certificate
 * @param snis         names as written (normalised here); none: never chosen by SNI, only looked up by id
 * @param cert         the main certificate (chain) PEM or reference; null with an issuer
 * @param key          its private key PEM or reference; null with an issuer
 * @param certs        more certificates (e.g. an RSA one beside an ECDSA one); may be empty
 * @param keys         their keys, as many as {@code certs}
 * @param enabled      false: not served (APISIX {@code status: 0})
 * @param protocols    allowed TLS versions; empty: any the connector allows
 * @param clientCa     CA PEM or reference for client certificates, or null
 * @param clientDepth  the longest client chain accepted, counting the client certificate (APISIX default 1)
 * @param skipMtlsUris with {@code clientCa}: regular expressions of request paths let through without a client
 *                     certificate ({@code client.skip_mtls_uri_regex})
 * @param clientRevocation with {@code clientCa}: where the client certificates' revocations come from, or null
 * @param issuer       instead of {@code cert} and {@code key}: certificates issued for the names by Vault's PKI
 *                     engine; else null
 * @param signer       instead of {@code key}: the Vault Transit key that signs for {@code cert} (keyless); else null
 */
public record SniEntrySpec(String id, Type type, List<String> snis, String cert, String key, List<String> certs,
                           List<String> keys, boolean enabled, Set<String> protocols, String clientCa,
                           int clientDepth, List<String> skipMtlsUris, IssuerSpec issuer,
                           RevocationSpec clientRevocation, SignerSpec signer) {

    private static final Set<String> PROTOCOLS = Set.of("TLSv1.1", "TLSv1.2", "TLSv1.3");

    /** APISIX's {@code type}. */
    public enum Type {
        /** Served to clients whose SNI matches. */
        SERVER,
        /** A client certificate for upstream mTLS; never served. */
        CLIENT
    }

    public SniEntrySpec {
        Objects.requireNonNull(id, "id");
        type = type == null ? Type.SERVER : type;
        certs = certs == null ? List.of() : List.copyOf(certs);
        keys = keys == null ? List.of() : List.copyOf(keys);
        protocols = protocols == null ? Set.of() : Set.copyOf(protocols);
        skipMtlsUris = skipMtlsUris == null ? List.of() : List.copyOf(skipMtlsUris);
        List<SslObjectViolation> violations = new ArrayList<>();
        snis = names(snis, violations);
        if (issuer == null) {
            certificates(type, cert, key, signer, certs, keys, violations);
        } else {
            issued(type, snis, cert, key, certs, keys, clientCa, violations);
            if (signer != null) {
                violations.add(new SslObjectViolation(Kind.CONFLICT, "signer",
                        "issuer excludes signer: issued certificates' keys are made for them"));
            }
        }
        options(protocols, clientDepth, skipMtlsUris, violations);
        references(cert, key, certs, keys, clientCa, violations);
        if (clientRevocation != null && type == Type.CLIENT) {
            violations.add(new SslObjectViolation(Kind.CONFLICT, "client.revocation",
                    "a client object is presented to upstreams: it checks no client certificates"));
        }
        if (clientRevocation != null && clientCa == null) {
            violations.add(new SslObjectViolation(Kind.MISSING, "client.ca",
                    "client.revocation checks client certificates: client.ca is required with it"));
        }
        if (clientRevocation != null && clientRevocation.source() instanceof RevocationSpec.Source.Crl crl) {
            reference(crl.pem(), "client.revocation.crl", violations);
        }
        if (!violations.isEmpty()) {
            throw new InvalidSslObjectException(id, violations);
        }
    }

    private static List<String> names(List<String> snis, List<SslObjectViolation> violations) {
        List<String> normalised = new ArrayList<>();
        for (String sni : snis == null ? List.<String>of() : snis) {
            try {
                String name = SniNames.normalize(sni);
                if (!normalised.contains(name)) {
                    normalised.add(name);
                }
            } catch (IllegalArgumentException e) {
                violations.add(new SslObjectViolation(Kind.BAD_VALUE, "sni", e.getMessage()));
            }
        }
        return List.copyOf(normalised);
    }

    private static void certificates(Type type, String cert, String key, SignerSpec signer, List<String> certs,
                                     List<String> keys, List<SslObjectViolation> violations) {
        if (signer != null) {
            if (key != null) {
                violations.add(new SslObjectViolation(Kind.CONFLICT, "signer",
                        "signer excludes key: the private key stays in Vault Transit"));
            }
            if (cert == null) {
                violations.add(new SslObjectViolation(Kind.MISSING, "cert", "cert is required with signer"));
            }
        } else if (cert == null || key == null) {
            violations.add(new SslObjectViolation(Kind.MISSING, "cert", "cert and key are required"));
        }
        if (type == Type.SERVER && certs.size() != keys.size()) {
            violations.add(new SslObjectViolation(Kind.MISMATCHED_PAIRS, "certs", "mismatched number of certs and keys"));
        }
    }

    private static void issued(Type type, List<String> snis, String cert, String key, List<String> certs,
                               List<String> keys, String clientCa, List<SslObjectViolation> violations) {
        if (cert != null || key != null || !certs.isEmpty() || !keys.isEmpty()) {
            violations.add(new SslObjectViolation(Kind.CONFLICT, "issuer",
                    "issuer excludes cert, key, certs and keys: the certificates are issued"));
        }
        if (clientCa != null) {
            violations.add(new SslObjectViolation(Kind.CONFLICT, "client",
                    "client certificates are not asked for on issued objects"));
        }
        if (type == Type.CLIENT) {
            violations.add(new SslObjectViolation(Kind.CONFLICT, "type", "an issued object is a server object"));
        }
        if (snis.isEmpty()) {
            violations.add(new SslObjectViolation(Kind.MISSING, "snis", "an issuer needs sni or snis to issue for"));
        }
    }

    private static void options(Set<String> protocols, int clientDepth, List<String> skipMtlsUris,
                                List<SslObjectViolation> violations) {
        for (String protocol : protocols) {
            if (!PROTOCOLS.contains(protocol)) {
                violations.add(new SslObjectViolation(Kind.BAD_VALUE, "ssl_protocols",
                        "unknown protocol " + protocol + " (TLSv1.1, TLSv1.2, TLSv1.3)"));
            }
        }
        if (clientDepth < 1) {
            violations.add(new SslObjectViolation(Kind.BAD_VALUE, "client.depth",
                    "client depth (" + clientDepth + ") must be at least 1"));
        }
        for (String regex : skipMtlsUris) {
            try {
                Pattern.compile(regex);
            } catch (PatternSyntaxException e) {
                violations.add(new SslObjectViolation(Kind.BAD_VALUE, "client.skip_mtls_uri_regex", "invalid regex " + regex));
            }
        }
    }

    /** A reference is parsed when it is configured, not found wanting when it is first resolved. */
    private static void references(String cert, String key, List<String> certs, List<String> keys, String clientCa,
                                   List<SslObjectViolation> violations) {
        reference(cert, "cert", violations);
        reference(key, "key", violations);
        for (int i = 0; i < certs.size(); i++) {
            reference(certs.get(i), "certs[" + i + "]", violations);
        }
        for (int i = 0; i < keys.size(); i++) {
            reference(keys.get(i), "keys[" + i + "]", violations);
        }
        reference(clientCa, "client.ca", violations);
    }

    private static void reference(String value, String field, List<SslObjectViolation> violations) {
        if (value != null && SecretReference.isReference(value)) {
            try {
                SecretReference.parse(value);
            } catch (IllegalArgumentException e) {
                violations.add(new SslObjectViolation(Kind.BAD_REFERENCE, field, e.getMessage()));
            }
        }
    }

    /** An enabled server object with one certificate and key, any protocol, no client certificates. */
    public static SniEntrySpec of(String id, List<String> snis, String cert, String key) {
        return builder(id).snis(snis).certificate(cert, key).build();
    }

    /** An object named {@code id}, built field by field: a certificate or an issuer is required, the rest has defaults. */
    public static Builder builder(String id) {
        return new Builder(id);
    }

    /** Whether client certificates are asked for. */
    public boolean verifiesClients() {
        return clientCa != null;
    }

    /** Every value that is or may be a reference: cert, key, certs, keys, clientCa (none for an issued object). */
    List<String> values() {
        if (issuer != null) {
            return List.of();
        }
        List<String> values = new ArrayList<>();
        values.add(cert);
        if (key != null) {
            values.add(key); // none with a signer
        }
        values.addAll(certs);
        values.addAll(keys);
        if (clientCa != null) {
            values.add(clientCa);
        }
        return values;
    }

    /** The compiled {@link #skipMtlsUris}. */
    List<Pattern> skipMtlsPatterns() {
        return skipMtlsUris.stream().map(Pattern::compile).toList();
    }

    @Override
    public String toString() {
        return "SniEntrySpec{" + id + " " + snis + (type == Type.CLIENT ? ", client" : "") + (enabled ? "" : ", disabled")
                + (issuer == null ? "" : ", issued") + (signer == null ? "" : ", keyless") + "}";
    }

    /**
     * Builds an {@link SniEntrySpec}: a server object, enabled, no names, no more certificates, any protocol and no
     * client certificates unless told otherwise.
     */
    public static final class Builder {
        private final String id;
        private Type type = Type.SERVER;
        private List<String> snis = List.of();
        private String cert;
        private String key;
        private List<String> certs = List.of();
        private List<String> keys = List.of();
        private boolean enabled = true;
        private Set<String> protocols = Set.of();
        private String clientCa;
        private int clientDepth = 1;
        private List<String> skipMtlsUris = List.of();
        private IssuerSpec issuer;
        private RevocationSpec clientRevocation;
        private SignerSpec signer;

        private Builder(String id) {
            this.id = id;
        }

        /** Default {@link Type#SERVER}. */
        public Builder type(Type type) {
            this.type = type;
            return this;
        }

        public Builder snis(List<String> snis) {
            this.snis = snis;
            return this;
        }

        /** The main certificate (chain) and its private key: PEM or references. */
        public Builder certificate(String cert, String key) {
            this.cert = cert;
            this.key = key;
            return this;
        }

        /** More certificates and their keys, pair by pair (e.g. an ECDSA one beside an RSA one). */
        public Builder moreCertificates(List<String> certs, List<String> keys) {
            this.certs = certs;
            this.keys = keys;
            return this;
        }

        public Builder enabled(boolean enabled) {
            this.enabled = enabled;
            return this;
        }

        public Builder protocols(Set<String> protocols) {
            this.protocols = protocols;
            return this;
        }

        /**
         * Asks clients for a certificate issued by {@code ca} (PEM or reference), chains at most {@code depth}
         * long; requests whose path matches one of {@code skipMtlsUris} may come without one.
         */
        public Builder clientCertificates(String ca, int depth, List<String> skipMtlsUris) {
            this.clientCa = ca;
            this.clientDepth = depth;
            this.skipMtlsUris = skipMtlsUris;
            return this;
        }

        /** With {@link #clientCertificates}: client certificates are checked against this revocation list. */
        public Builder clientRevocation(RevocationSpec revocation) {
            this.clientRevocation = revocation;
            return this;
        }

        /** Certificates issued for the names by {@code issuer} instead of a stored {@link #certificate}. */
        public Builder issuer(IssuerSpec issuer) {
            this.issuer = issuer;
            return this;
        }

        /** Instead of the main certificate's key: the Vault Transit key that signs for it. */
        public Builder signer(SignerSpec signer) {
            this.signer = signer;
            return this;
        }

        /** @throws InvalidSslObjectException listing every rule the object breaks */
        public SniEntrySpec build() {
            return new SniEntrySpec(id, type, snis, cert, key, certs, keys, enabled, protocols, clientCa, clientDepth,
                    skipMtlsUris, issuer, clientRevocation, signer);
        }
    }
}
