package io.github.vaultsni.sni;

import io.github.vaultsni.issuer.IssuerSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * An entry as configured, before anything is resolved: the shape of an APISIX SSL object. {@code cert},
 * {@code key}, each of {@code certs}/{@code keys} and {@code clientCa} are inline PEM or references
 * ({@code $secret://...}, {@code $env://...}), resolved when the entry is built. Made with {@link #builder}
 * ({@link #of} for the common case); {@link SslObject} reads one from APISIX's JSON.
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
 * @param issuer      instead of {@code cert} and {@code key} (then null, and no {@code certs}/{@code keys} nor
 *                    {@code clientCa}): certificates issued for the names by Vault's PKI engine; else null
 */
public record SniEntrySpec(String id, List<String> snis, String cert, String key, List<String> certs,
                           List<String> keys, boolean enabled, Set<String> protocols, String clientCa,
                           int clientDepth, boolean clientCertificateOptional, IssuerSpec issuer) {

    public SniEntrySpec {
        Objects.requireNonNull(id, "id");
        if (issuer == null) {
            Objects.requireNonNull(cert, "cert");
            Objects.requireNonNull(key, "key");
        } else if (cert != null || key != null || certs != null && !certs.isEmpty() || clientCa != null) {
            throw new IllegalArgumentException("entry " + id + ": an issuer excludes cert, key, certs, keys and client");
        } else if (snis == null || snis.isEmpty()) {
            throw new IllegalArgumentException("entry " + id + ": an issuer needs sni or snis to issue for");
        }
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
        return builder(id).snis(snis).certificate(cert, key).build();
    }

    /** An entry named {@code id}, built field by field: {@code certificate} is required, the rest has defaults. */
    public static Builder builder(String id) {
        return new Builder(id);
    }

    /**
     * Builds an {@link SniEntrySpec}: enabled, no names, no more certificates, any protocol and no client
     * certificates unless told otherwise.
     */
    public static final class Builder {
        private final String id;
        private List<String> snis = List.of();
        private String cert;
        private String key;
        private List<String> certs = List.of();
        private List<String> keys = List.of();
        private boolean enabled = true;
        private Set<String> protocols = Set.of();
        private String clientCa;
        private int clientDepth = 1;
        private boolean clientCertificateOptional;
        private IssuerSpec issuer;

        private Builder(String id) {
            this.id = id;
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
         * long; {@code optional}: connections without one are let through for the HTTP layer to decide.
         */
        public Builder clientCertificates(String ca, int depth, boolean optional) {
            this.clientCa = ca;
            this.clientDepth = depth;
            this.clientCertificateOptional = optional;
            return this;
        }

        /** Certificates issued for the names by {@code issuer} instead of a stored {@link #certificate}. */
        public Builder issuer(IssuerSpec issuer) {
            this.issuer = issuer;
            return this;
        }

        public SniEntrySpec build() {
            return new SniEntrySpec(id, snis, cert, key, certs, keys, enabled, protocols, clientCa, clientDepth,
                    clientCertificateOptional, issuer);
        }
    }

    /** Every value that is or may be a reference: cert, key, certs, keys, clientCa (none for an issued entry). */
    List<String> values() {
        if (issuer != null) {
            return List.of();
        }
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
        return "SniEntrySpec{" + id + " " + snis + (enabled ? "" : ", disabled") + (issuer == null ? "" : ", issued") + "}";
    }
}
