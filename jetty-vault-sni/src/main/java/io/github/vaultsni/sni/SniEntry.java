package io.github.vaultsni.sni;

import io.github.vaultsni.pem.CertifiedKey;

import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One servable certificate entry: the names it answers for, its key pairs (e.g. one RSA and one ECDSA; the
 * client's abilities pick), and its TLS options. Immutable; built off the handshake path, with {@link #builder}.
 *
 * @param id           the entry's id (an SSL object id)
 * @param snis         normalised names ({@link SniNames#normalize}); {@code *.x} covers one label, {@code *} all
 * @param keys         at least one certified key; at most one per key type
 * @param protocols    the TLS versions allowed ({@code TLSv1.2}, {@code TLSv1.3}); empty: the connector's
 * @param clientCa     CA certificates client certificates must chain to; empty: no client certificates
 * @param clientDepth  the longest client chain accepted, counting the client certificate (APISIX's depth, 1 =
 *                     issued directly by a CA in {@code clientCa})
 * @param skipMtlsUris with {@code clientCa}: request paths let through without a client certificate (APISIX's
 *                     {@code client.skip_mtls_uri_regex}); when any, a connection without a certificate is let in
 *                     and the HTTP layer decides per request
 * @param clientRevocation whether a client certificate verified against {@code clientCa} was revoked since
 * @param generation   distinguishes rebuilds of the same id, so a handshake in flight during a swap still finds
 *                     the key it chose
 */
public record SniEntry(String id, List<String> snis, List<CertifiedKey> keys, Set<String> protocols,
                       List<X509Certificate> clientCa, int clientDepth, List<Pattern> skipMtlsUris,
                       SniClientRevocation clientRevocation, long generation) {

    private static final Set<String> PROTOCOLS = Set.of("TLSv1.1", "TLSv1.2", "TLSv1.3");

    public SniEntry {
        Objects.requireNonNull(id, "id");
        snis = List.copyOf(snis);
        keys = List.copyOf(keys);
        protocols = Set.copyOf(protocols);
        clientCa = List.copyOf(clientCa);
        skipMtlsUris = List.copyOf(skipMtlsUris);
        clientRevocation = clientRevocation == null ? SniClientRevocation.NONE : clientRevocation;
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("entry " + id + ": no certificate");
        }
        List<String> types = new ArrayList<>();
        for (CertifiedKey key : keys) {
            if (types.contains(key.keyType())) {
                throw new IllegalArgumentException("entry " + id + ": two " + key.keyType() + " certificates; "
                        + "give one per key type");
            }
            types.add(key.keyType());
        }
        for (String protocol : protocols) {
            if (!PROTOCOLS.contains(protocol)) {
                throw new IllegalArgumentException("entry " + id + ": unknown protocol " + protocol
                        + " (TLSv1.1, TLSv1.2, TLSv1.3)");
            }
        }
        if (clientDepth < 1) {
            throw new IllegalArgumentException("entry " + id + ": client depth (" + clientDepth + ") must be at least 1");
        }
    }

    /** An entry with default options: any protocol, no client certificates. */
    public static SniEntry of(String id, List<String> snis, List<CertifiedKey> keys) {
        return builder(id).snis(snis).keys(keys).build();
    }

    /** An entry named {@code id}: any protocol, no client certificates, generation 0 unless told otherwise. */
    public static Builder builder(String id) {
        return new Builder(id);
    }

    /** The key for a JSSE key type ({@code RSA}, {@code EC}, {@code EdDSA}), or null. */
    public CertifiedKey key(String keyType) {
        for (CertifiedKey key : keys) {
            if (key.keyType().equals(keyType)) {
                return key;
            }
        }
        return null;
    }

    /** The key manager's alias of key {@code index}: unique per entry id, index and generation. */
    String alias(int index) {
        return id + "#" + index + "@" + generation;
    }

    public boolean verifiesClients() {
        return !clientCa.isEmpty();
    }

    /** Whether a key is kept elsewhere ({@link CertifiedKey#isRemote()}): its handshakes need the JDK's TLS. */
    public boolean hasRemoteKey() {
        return keys.stream().anyMatch(CertifiedKey::isRemote);
    }

    /** Whether a client may connect without a certificate, for the HTTP layer to decide per request. */
    public boolean clientCertificateOptional() {
        return !skipMtlsUris.isEmpty();
    }

    /** Whether {@code protocol} may be used with this entry. */
    public boolean allows(String protocol) {
        return protocols.isEmpty() || protocols.contains(protocol);
    }

    @Override
    public String toString() {
        return "SniEntry{" + id + " " + snis + ", " + keys.size() + " key(s)}";
    }

    /** Builds an {@link SniEntry}; {@link #keys} is required. */
    public static final class Builder {
        private final String id;
        private List<String> snis = List.of();
        private List<CertifiedKey> keys = List.of();
        private Set<String> protocols = Set.of();
        private List<X509Certificate> clientCa = List.of();
        private int clientDepth = 1;
        private List<Pattern> skipMtlsUris = List.of();
        private long generation;
        private SniClientRevocation clientRevocation = SniClientRevocation.NONE;

        private Builder(String id) {
            this.id = id;
        }

        /** Normalised names; default none (never chosen by SNI). */
        public Builder snis(List<String> snis) {
            this.snis = snis;
            return this;
        }

        public Builder keys(List<CertifiedKey> keys) {
            this.keys = keys;
            return this;
        }

        /** Default: any the connector allows. */
        public Builder protocols(Set<String> protocols) {
            this.protocols = protocols;
            return this;
        }

        /** Clients must present a certificate chaining to {@code ca}, at most {@code depth} long. Default: none asked. */
        public Builder clientCertificates(List<X509Certificate> ca, int depth) {
            this.clientCa = ca;
            this.clientDepth = depth;
            return this;
        }

        /** Whether a verified client certificate was revoked since. Default: not checked. */
        public Builder clientRevocation(SniClientRevocation clientRevocation) {
            this.clientRevocation = clientRevocation;
            return this;
        }

        /** Default none. */
        public Builder skipMtlsUris(List<Pattern> skipMtlsUris) {
            this.skipMtlsUris = skipMtlsUris;
            return this;
        }

        /** Default 0. */
        public Builder generation(long generation) {
            this.generation = generation;
            return this;
        }

        public SniEntry build() {
            return new SniEntry(id, snis, keys, protocols, clientCa, clientDepth, skipMtlsUris, clientRevocation,
                    generation);
        }
    }
}
