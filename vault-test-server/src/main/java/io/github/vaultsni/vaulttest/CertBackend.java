package io.github.vaultsni.vaulttest;

import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The TLS certificate auth method (Vault 1.13's builtin cert): trusted certificates ({@code certs/<name>}: a CA, or
 * a leaf matched by serial and authority key id) with {@code allowed_common_names}, and login with the client
 * certificate the TLS connection presented (the listener asks for one without checking it; this method checks the
 * chain against its trusted certificates). Renewal asks the renewing connection for the same client identity.
 */
final class CertBackend implements AuthBackend {
    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final String ANY_USAGE = "2.5.29.37.0";

    private record Entry(String name, X509Certificate certificate, List<String> allowedCommonNames, String displayName,
                         RoleTokenFields tokens) {
        boolean isCa() {
            return certificate.getBasicConstraints() >= 0;
        }
    }

    private final String mount;
    private final TokenStore tokens;
    private final Clock clock;
    private final AuthRoles<Entry> entries = new AuthRoles<>(CertBackend::entry, CertBackend::read);

    CertBackend(String mount, TokenStore tokens, Clock clock) {
        this.mount = mount;
        this.tokens = tokens;
        this.clock = clock;
    }

    @Override
    public Reply handle(VaultRequest request, String path) {
        if (!path.startsWith("certs/") || path.length() <= 6) {
            throw VaultError.noHandler("auth/" + mount + path);
        }
        return entries.handle(request, path.substring(6));
    }

    private static Map<String, Object> read(Entry entry) {
        Map<String, Object> data = new LinkedHashMap<>(entry.tokens().read());
        data.put("certificate", pem(entry.certificate()));
        data.put("display_name", entry.displayName());
        data.put("allowed_common_names", entry.allowedCommonNames());
        return data;
    }

    private static Entry entry(String name, VaultRequest request) {
        X509Certificate certificate;
        try {
            String pem = request.param("certificate");
            certificate = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(
                    new ByteArrayInputStream((pem == null ? "" : pem).getBytes(StandardCharsets.US_ASCII)));
        } catch (CertificateException | RuntimeException e) {
            throw VaultError.badRequest("failed to parse certificate");
        }
        try {
            List<String> usages = certificate.getExtendedKeyUsage();
            if (certificate.getBasicConstraints() < 0 && usages != null && !usages.contains(CLIENT_AUTH)) {
                throw VaultError.badRequest("nonCA certificates should have TLS client authentication set as an "
                        + "extended key usage");
            }
        } catch (java.security.cert.CertificateParsingException e) {
            throw VaultError.badRequest("failed to parse certificate");
        }
        for (String constraint : List.of("allowed_names", "allowed_dns_sans", "allowed_email_sans", "allowed_uri_sans",
                "allowed_organizational_units", "required_extensions")) {
            if (!Json.stringList(request.body().get(constraint)).isEmpty()) {
                throw VaultError.badRequest("the test server checks allowed_common_names only, not " + constraint);
            }
        }
        String display = request.param("display_name");
        return new Entry(name, certificate, Json.stringList(request.body().get("allowed_common_names")),
                display == null || display.isEmpty() ? name : display,
                RoleTokenFields.from(request, "ttl should be shorter than max_ttl"));
    }

    @Override
    public Reply login(VaultRequest request) {
        List<X509Certificate> chain = presented(request);
        String name = request.param("name");
        Entry entry = matching(chain, name == null || name.isEmpty() ? null : name.toLowerCase(Locale.ROOT));
        X509Certificate leaf = chain.get(0);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("cert_name", entry.name());
        meta.put("common_name", commonName(leaf));
        meta.put("serial_number", leaf.getSerialNumber().toString());
        meta.put("subject_key_id", hex(subjectKeyId(leaf)));
        meta.put("authority_key_id", hex(authorityKeyId(leaf)));
        Token token = entry.tokens().issue(tokens, mount, entry.displayName(), meta);
        return Reply.auth(tokens.authBlock(token));
    }

    /** Binding: the renewing connection must present the identity that logged in. */
    @Override
    public void checkRenewal(Token token, VaultRequest request) {
        List<X509Certificate> chain = presented(request);
        Entry entry = matching(chain, token.meta().get("cert_name"));
        X509Certificate leaf = chain.get(0);
        if (!hex(subjectKeyId(leaf)).equals(token.meta().get("subject_key_id"))
                && !hex(authorityKeyId(leaf)).equals(token.meta().get("authority_key_id"))) {
            throw VaultError.badRequest("client identity during renewal not matching client identity used during login");
        }
        if (!entry.tokens().policies().stream().sorted().toList().equals(token.policies().stream()
                .filter(p -> !p.equals("default")).sorted().toList())) {
            throw AuthBackend.renewalFailed("policies have changed, not renewing");
        }
    }

    private static List<X509Certificate> presented(VaultRequest request) {
        if (request.peerCertificates() == null) {
            throw VaultError.badRequest("tls connection required");
        }
        if (request.peerCertificates().isEmpty()) {
            throw VaultError.badRequest("client certificate must be supplied");
        }
        return request.peerCertificates();
    }

    /** The trusted entry the chain verifies against ({@code name}: only that one), constraints included. */
    private Entry matching(List<X509Certificate> chain, String name) {
        List<Entry> candidates = new ArrayList<>();
        if (name != null) {
            Entry entry = entries.get(name);
            if (entry != null) {
                candidates.add(entry);
            }
        } else {
            entries.all().values().stream().sorted((a, b) -> a.name().compareTo(b.name())).forEach(candidates::add);
        }
        List<Entry> trusted = candidates.stream().filter(e -> trusts(e, chain)).toList();
        if (trusted.isEmpty()) {
            throw VaultError.badRequest("invalid certificate or no client certificate supplied");
        }
        checkUsageAndDates(chain.get(0));
        String commonName = commonName(chain.get(0));
        return trusted.stream().filter(e -> e.allowedCommonNames().isEmpty()
                        || Glob.anyMatches(e.allowedCommonNames(), commonName)).findFirst()
                .orElseThrow(() -> VaultError.badRequest("no chain matching all constraints could be found for this "
                        + "login certificate"));
    }

    private void checkUsageAndDates(X509Certificate leaf) {
        try {
            leaf.checkValidity(Date.from(clock.instant()));
            List<String> usages = leaf.getExtendedKeyUsage();
            if (usages != null && !usages.contains(CLIENT_AUTH) && !usages.contains(ANY_USAGE)) {
                throw verifyFailed("x509: certificate specifies an incompatible key usage");
            }
        } catch (CertificateExpiredException | CertificateNotYetValidException e) {
            throw verifyFailed("x509: certificate has expired or is not yet valid");
        } catch (java.security.cert.CertificateParsingException e) {
            throw verifyFailed("x509: malformed certificate");
        }
    }

    private static VaultError verifyFailed(String why) {
        return new VaultError(500, "failed to verify client's certificate: " + why);
    }

    private boolean trusts(Entry entry, List<X509Certificate> chain) {
        X509Certificate leaf = chain.get(0);
        if (!entry.isCa()) {
            return entry.certificate().getSerialNumber().equals(leaf.getSerialNumber())
                    && hex(authorityKeyId(entry.certificate())).equals(hex(authorityKeyId(leaf)));
        }
        try {
            PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(entry.certificate(), null)));
            parameters.setRevocationEnabled(false);
            parameters.setDate(Date.from(clock.instant()));
            CertPathValidator.getInstance("PKIX").validate(
                    CertificateFactory.getInstance("X.509").generateCertPath(chain), parameters);
            return true;
        } catch (CertPathValidatorException e) {
            // Chained to this entry but out of its dates: trusted, and refused for its dates as Go's verifier does.
            return e.getReason() == CertPathValidatorException.BasicReason.EXPIRED
                    || e.getReason() == CertPathValidatorException.BasicReason.NOT_YET_VALID;
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String commonName(X509Certificate cert) {
        try {
            RDN[] cn = new JcaX509CertificateHolder(cert).getSubject().getRDNs(BCStyle.CN);
            return cn.length == 0 ? "" : IETFUtils.valueToString(cn[0].getFirst().getValue());
        } catch (CertificateException e) {
            return "";
        }
    }

    private static byte[] subjectKeyId(X509Certificate cert) {
        byte[] value = extension(cert, Extension.subjectKeyIdentifier);
        return value == null ? new byte[0] : SubjectKeyIdentifier.getInstance(asn1(value)).getKeyIdentifier();
    }

    private static byte[] authorityKeyId(X509Certificate cert) {
        byte[] value = extension(cert, Extension.authorityKeyIdentifier);
        byte[] id = value == null ? null : AuthorityKeyIdentifier.getInstance(asn1(value)).getKeyIdentifier();
        return id == null ? new byte[0] : id;
    }

    private static byte[] extension(X509Certificate cert, org.bouncycastle.asn1.ASN1ObjectIdentifier oid) {
        byte[] wrapped = cert.getExtensionValue(oid.getId());
        if (wrapped == null) {
            return null;
        }
        try {
            return ASN1OctetString.getInstance(ASN1Primitive.fromByteArray(wrapped)).getOctets();
        } catch (java.io.IOException e) {
            return null;
        }
    }

    private static ASN1Primitive asn1(byte[] der) {
        try {
            return ASN1Primitive.fromByteArray(der);
        } catch (java.io.IOException e) {
            throw VaultError.badRequest("failed to parse certificate");
        }
    }

    /** Lowercase hex bytes joined by {@code :}, as the method's metadata writes key ids. */
    private static String hex(byte[] bytes) {
        return HexFormat.ofDelimiter(":").formatHex(bytes);
    }

    private static String pem(X509Certificate cert) {
        try {
            return "-----BEGIN CERTIFICATE-----\n" + java.util.Base64.getMimeEncoder(64, "\n".getBytes())
                    .encodeToString(cert.getEncoded()) + "\n-----END CERTIFICATE-----\n";
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }
}
