package io.github.vaultsni.sni;

import io.github.vaultsni.pem.CertifiedKey;

import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An immutable snapshot of what is served, built off the handshake path and swapped in whole. Lookups are
 * hash-map reads whose cost does not depend on the number of entries.
 *
 * <p>Lookup order for a normalised client name ({@link SniNames#normalizeClientName}):
 * <ol>
 *   <li>an entry listing the exact name;</li>
 *   <li>a claim on the exact name (an SSL object being built lists it): nothing yet, the handshake waits for it;</li>
 *   <li>an entry listing {@code *.} + the name minus its first label ({@code *.example.com} covers
 *       {@code www.example.com}, not {@code example.com}, not {@code a.b.example.com});</li>
 *   <li>a claim on that wildcard (an object being built lists it, or issues its names on demand): nothing yet;</li>
 *   <li>an entry listing {@code *}; else a claim on {@code *};</li>
 *   <li>nothing: the handshake is refused with {@code unrecognized_name}.</li>
 * </ol>
 * A claimed name is never served by a broader entry while its own is being prepared: {@link #preparation} says
 * what to wait for, and the ClientHello reader parks the connection on it. A client that sends no name gets the
 * default entry, if one is set, else the entry of the fallback SNI ({@link #withFallbackSni}), if one is set and
 * served, else nothing. When several entries claim one name, the
 * {@link SniEntryPreference} picks the winner at build time.
 */
public final class SniCertificateIndex {
    private static final SniCertificateIndex EMPTY = new SniCertificateIndex(Map.of(), Map.of(), null, null,
            Map.of(), List.of(), Claims.NONE);

    /** Names whose entries are being prepared: exact names, wildcard parents ({@code svc.test} of {@code *.svc.test}), {@code *}. */
    private record Claims(Map<String, SniPreparation> exact, Map<String, SniPreparation> wildcard, SniPreparation any) {
        static final Claims NONE = new Claims(Map.of(), Map.of(), null);

        boolean isEmpty() {
            return any == null && exact.isEmpty() && wildcard.isEmpty();
        }
    }

    private final Map<String, SniEntry> exact;
    private final Map<String, SniEntry> wildcard;
    private final SniEntry any;
    private final SniEntry fallback;
    private final Map<String, CertifiedKey> keysByAlias;
    private final List<SniEntry> entries;
    private final X509Certificate[] clientIssuers;
    private final Claims claims;

    private SniCertificateIndex(Map<String, SniEntry> exact, Map<String, SniEntry> wildcard, SniEntry any,
                                SniEntry fallback, Map<String, CertifiedKey> keysByAlias, List<SniEntry> entries,
                                Claims claims) {
        this.claims = claims;
        this.exact = exact;
        this.wildcard = wildcard;
        this.any = any;
        this.fallback = fallback;
        this.keysByAlias = keysByAlias;
        this.entries = entries;
        Set<X509Certificate> issuers = new LinkedHashSet<>();
        entries.forEach(e -> issuers.addAll(e.clientCa()));
        this.clientIssuers = issuers.toArray(X509Certificate[]::new);
    }

    public static SniCertificateIndex empty() {
        return EMPTY;
    }

    /**
     * Indexes the entries (the registry gives only those it serves: a disabled object's are not among them).
     *
     * @param defaultEntryId the entry for clients that send no name, or null for none
     */
    public static SniCertificateIndex build(Collection<SniEntry> entries, String defaultEntryId,
                                            SniEntryPreference preference, Instant now) {
        List<SniEntry> served = List.copyOf(entries);
        Map<String, SniEntry> exact = new HashMap<>(capacityFor(served.size()));
        Map<String, SniEntry> wildcard = new HashMap<>();
        Map<String, CertifiedKey> aliases = new HashMap<>(capacityFor(served.size()));
        SniEntry any = null;
        SniEntry fallback = null;
        for (SniEntry entry : served) {
            for (String sni : entry.snis()) {
                if (sni.equals("*")) {
                    any = better(any, entry, preference, now);
                } else if (sni.startsWith("*.")) {
                    wildcard.merge(sni.substring(2), entry, (a, b) -> better(a, b, preference, now));
                } else {
                    exact.merge(sni, entry, (a, b) -> better(a, b, preference, now));
                }
            }
            for (int i = 0; i < entry.keys().size(); i++) {
                aliases.put(entry.alias(i), entry.keys().get(i));
            }
            if (entry.id().equals(defaultEntryId)) {
                fallback = entry;
            }
        }
        return new SniCertificateIndex(exact, wildcard, any, fallback, aliases, served, Claims.NONE);
    }

    /**
     * This index, with clients that send no name served as if they had sent {@code name} (APISIX's
     * {@code apisix.ssl.fallback_sni}), unless a default entry is set; itself when {@code name} is null.
     */
    public SniCertificateIndex withFallbackSni(String name) {
        if (name == null || fallback != null) {
            return this;
        }
        SniEntry entry = lookup(SniNames.normalize(name));
        return entry == null ? this : new SniCertificateIndex(exact, wildcard, any, entry, keysByAlias, entries, claims);
    }

    /**
     * This index, with names claimed by work in progress (see the lookup order): {@code exactNames} by name,
     * {@code wildcardParents} by the parent of their wildcard ({@code svc.test} for {@code *.svc.test}), and
     * {@code any} for {@code *} (null: none).
     */
    public SniCertificateIndex withClaims(Map<String, SniPreparation> exactNames, Map<String, SniPreparation> wildcardParents,
                                          SniPreparation any) {
        Claims more = new Claims(Map.copyOf(exactNames), Map.copyOf(wildcardParents), any);
        return more.isEmpty() ? this : new SniCertificateIndex(exact, wildcard, this.any, fallback, keysByAlias, entries, more);
    }

    /**
     * What {@code name} (normalised) waits for before it can be served, in the lookup order: null when it is
     * served now, or when nothing claims it (it is refused).
     */
    public SniPreparation preparation(String name) {
        if (name == null || claims.isEmpty() || exact.containsKey(name)) {
            return null;
        }
        SniPreparation claim = claims.exact().get(name);
        if (claim != null) {
            return claim;
        }
        int dot = name.indexOf('.');
        if (dot > 0) {
            String parent = name.substring(dot + 1);
            if (wildcard.containsKey(parent)) {
                return null;
            }
            claim = claims.wildcard().get(parent);
            if (claim != null) {
                return claim;
            }
        }
        return any == null ? claims.any() : null;
    }

    /** A hash map capacity that holds {@code size} mappings without resizing. */
    private static int capacityFor(int size) {
        return (int) (size / 0.75f) + 1;
    }

    private static SniEntry better(SniEntry current, SniEntry candidate, SniEntryPreference preference, Instant now) {
        return current == null || preference.compare(candidate, current, now) < 0 ? candidate : current;
    }

    /** The entry serving {@code name} (normalised), or, for a null name (no SNI), the default entry; else null. */
    public SniEntry lookup(String name) {
        if (name == null) {
            return fallback;
        }
        SniEntry entry = exact.get(name);
        if (entry != null) {
            return entry;
        }
        boolean claimed = !claims.isEmpty();
        if (claimed && claims.exact().containsKey(name)) {
            return null; // its own entry is being prepared: not a broader one's
        }
        int dot = name.indexOf('.');
        if (dot > 0) {
            String parent = name.substring(dot + 1);
            entry = wildcard.get(parent);
            if (entry != null) {
                return entry;
            }
            if (claimed && claims.wildcard().containsKey(parent)) {
                return null;
            }
        }
        return any;
    }

    /** The key behind an alias this index handed out, or null. */
    CertifiedKey key(String alias) {
        return keysByAlias.get(alias);
    }

    /** The alias of {@code key} in {@code entry}, or null when the entry has no key of that type. */
    static String alias(SniEntry entry, String keyType) {
        List<CertifiedKey> keys = entry.keys();
        for (int i = 0; i < keys.size(); i++) {
            if (keys.get(i).keyType().equals(keyType)) {
                return entry.alias(i);
            }
        }
        return null;
    }

    /** Every CA that some entry accepts client certificates from (sent in the CertificateRequest). */
    X509Certificate[] clientIssuers() {
        return clientIssuers.clone();
    }

    /** Whether any entry verifies client certificates. */
    public boolean verifiesClients() {
        return clientIssuers.length > 0;
    }

    /** The served entries. */
    public List<SniEntry> entries() {
        return entries;
    }

    public int size() {
        return entries.size();
    }
}
