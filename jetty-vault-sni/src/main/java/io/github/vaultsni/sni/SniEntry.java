package io.github.vaultsni.sni;

import io.github.vaultsni.pem.CertifiedKey;

import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One servable certificate entry: the names it answers for, its key pairs (e.g. one RSA and one ECDSA; the
 * client's abilities pick), and its TLS options. Immutable; built off the handshake path.
 *
 * @param id           the entry's id (an SSL object id)
 * @param snis         normalised names ({@link SniNames#normalize}); {@code *.x} covers one label, {@code *} all
 * @param keys         at least one certified key; at most one per key type
 * @param enabled      false: kept (for status) but never served
 * @param protocols    the TLS versions allowed ({@code TLSv1.2}, {@code TLSv1.3}); empty: the connector's
 * @param clientCa     CA certificates client certificates must chain to; empty: no client certificates
 * @param clientDepth  the longest client chain accepted, counting the client certificate (APISIX's depth, 1 =
 *                     issued directly by a CA in {@code clientCa})
 * @param clientCertificateOptional with {@code clientCa}: a client may connect without a certificate (the
 *                     HTTP layer then decides per request, as APISIX's {@code skip_mtls_uri_regex} does)
 * @param generation   distinguishes rebuilds of the same id, so a handshake in flight during a swap still finds
 *                     the key it chose
 */
public record SniEntry(String id, List<String> snis, List<CertifiedKey> keys, boolean enabled, Set<String> protocols,
                       List<X509Certificate> clientCa, int clientDepth, boolean clientCertificateOptional,
                       long generation) {

    private static final Set<String> PROTOCOLS = Set.of("TLSv1.1", "TLSv1.2", "TLSv1.3");

    public SniEntry {
        Objects.requireNonNull(id, "id");
        snis = List.copyOf(snis);
        keys = List.copyOf(keys);
        protocols = Set.copyOf(protocols);
        clientCa = List.copyOf(clientCa);
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

    /** An enabled entry with default options: any protocol, no client certificates. */
    public static SniEntry of(String id, List<String> snis, List<CertifiedKey> keys) {
        return new SniEntry(id, snis, keys, true, Set.of(), List.of(), 1, false, 0);
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

    /** Whether {@code protocol} may be used with this entry. */
    public boolean allows(String protocol) {
        return protocols.isEmpty() || protocols.contains(protocol);
    }

    @Override
    public String toString() {
        return "SniEntry{" + id + " " + snis + ", " + keys.size() + " key(s)" + (enabled ? "" : ", disabled") + "}";
    }
}
