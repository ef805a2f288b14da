package io.github.vaultsni.gateway.listener;

import org.eclipse.jetty.util.ssl.SslContextFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The HTTPS listener's TLS versions and cipher suites, APISIX's by default ({@code apisix.ssl} in its
 * config-default.yaml): TLS 1.2 and 1.3, and for TLS 1.2 the Mozilla intermediate list, ECDHE or DHE with AES-GCM or
 * ChaCha20-Poly1305 only (no CBC suite, no static RSA). The TLS 1.3 suites are always on, as with OpenSSL, whose
 * {@code ssl_ciphers} does not govern them. Cipher suites are given in OpenSSL's names, as APISIX's
 * {@code ssl_ciphers} is (colon-separated), or in their standard (IANA) names.
 *
 * @param protocols    e.g. {@code [TLSv1.2, TLSv1.3]}
 * @param cipherSuites standard names, TLS 1.3's first
 */
public record TlsPolicy(List<String> protocols, List<String> cipherSuites) {
    /** APISIX's {@code ssl_protocols}. */
    public static final String APISIX_PROTOCOLS = "TLSv1.2 TLSv1.3";
    /** APISIX's {@code ssl_ciphers}. */
    public static final String APISIX_CIPHERS = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
            + "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:"
            + "ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384";
    private static final List<String> TLS13_SUITES = List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256");
    private static final List<String> PROTOCOLS = List.of("TLSv1.2", "TLSv1.3");
    /** OpenSSL's names of the TLS 1.2 suites the JDK and Conscrypt implement with forward secrecy. */
    private static final Map<String, String> OPENSSL_NAMES = new LinkedHashMap<>();

    static {
        for (String kx : List.of("ECDHE-ECDSA", "ECDHE-RSA", "DHE-RSA")) {
            String iana = "TLS_" + kx.replace('-', '_') + "_WITH_";
            OPENSSL_NAMES.put(kx + "-AES128-GCM-SHA256", iana + "AES_128_GCM_SHA256");
            OPENSSL_NAMES.put(kx + "-AES256-GCM-SHA384", iana + "AES_256_GCM_SHA384");
            OPENSSL_NAMES.put(kx + "-CHACHA20-POLY1305", iana + "CHACHA20_POLY1305_SHA256");
            OPENSSL_NAMES.put(kx + "-AES128-SHA256", iana + "AES_128_CBC_SHA256");
            OPENSSL_NAMES.put(kx + "-AES256-SHA384", iana + "AES_256_CBC_SHA384");
        }
        OPENSSL_NAMES.put("DHE-RSA-AES256-SHA256", "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256");
        OPENSSL_NAMES.remove("DHE-RSA-AES256-SHA384"); // no such suite
    }

    public TlsPolicy {
        protocols = List.copyOf(protocols);
        cipherSuites = List.copyOf(cipherSuites);
    }

    /** APISIX's defaults. */
    public static TlsPolicy apisix() {
        return of(APISIX_PROTOCOLS, APISIX_CIPHERS);
    }

    /**
     * @param protocols    space- or comma-separated, each {@code TLSv1.2} or {@code TLSv1.3}
     * @param cipherSuites colon-, comma- or space-separated OpenSSL or standard names of TLS 1.2 suites
     * @throws IllegalArgumentException naming the first value it does not know
     */
    public static TlsPolicy of(String protocols, String cipherSuites) {
        List<String> versions = new ArrayList<>();
        for (String p : split(protocols)) {
            String version = PROTOCOLS.stream().filter(known -> known.equalsIgnoreCase(p)).findFirst().orElseThrow(() ->
                    new IllegalArgumentException("tls protocols: " + p + " is not one of TLSv1.2, TLSv1.3"));
            versions.add(version);
        }
        if (versions.isEmpty()) {
            throw new IllegalArgumentException("tls protocols: none given");
        }
        List<String> suites = new ArrayList<>(TLS13_SUITES);
        for (String name : split(cipherSuites)) {
            String iana = OPENSSL_NAMES.containsKey(name) ? OPENSSL_NAMES.get(name)
                    : OPENSSL_NAMES.containsValue(name.toUpperCase(Locale.ROOT)) ? name.toUpperCase(Locale.ROOT) : null;
            if (iana == null) {
                throw new IllegalArgumentException("tls ciphers: " + name + " is not a TLS 1.2 suite with forward secrecy "
                        + "the gateway knows (e.g. ECDHE-RSA-AES128-GCM-SHA256)");
            }
            if (!suites.contains(iana)) {
                suites.add(iana);
            }
        }
        return new TlsPolicy(versions, suites);
    }

    /** Restricts {@code factory} (before it starts) to these versions and suites. */
    public void applyTo(SslContextFactory.Server factory) {
        Objects.requireNonNull(factory, "factory");
        factory.setIncludeProtocols(protocols.toArray(String[]::new));
        factory.setIncludeCipherSuites(cipherSuites.toArray(String[]::new));
    }

    private static List<String> split(String list) {
        List<String> values = new ArrayList<>();
        for (String value : list == null ? new String[0] : list.split("[:,\\s]+")) {
            if (!value.isBlank()) {
                values.add(value.trim());
            }
        }
        return values;
    }
}
