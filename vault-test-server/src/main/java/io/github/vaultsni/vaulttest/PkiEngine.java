package io.github.vaultsni.vaulttest;

import io.github.vaultsni.testsupport.TestPki;

import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.pkcs.Attribute;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.bouncycastle.util.io.pem.PemObject;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The parts of the PKI secrets engine that issued certificates need: {@code root/generate/internal},
 * {@code roles/<name>}, {@code issue/<role>} (Vault makes the key), {@code sign/<role>} (the caller's CSR),
 * {@code cert/ca}, and revocation ({@link PkiRevocations}: {@code revoke}, the complete and delta CRLs,
 * {@code crl/rotate}, {@code config/crl}). Keys are RSA-2048 or EC P-256; a role's {@code key_type} may be {@code any} for signing only.
 * As Vault: {@code notBefore} is backdated 30 s ({@code not_before_duration}), the chain answered is
 * {@code ca_chain} (the issuing CA), and SANs come from the CSR as well as {@code alt_names}.
 */
final class PkiEngine implements SecretsEngine {
    private record Role(List<String> allowedDomains, boolean allowSubdomains, boolean allowAnyName,
                        boolean allowBareDomains, String keyType, long ttl, long maxTtl) {
    }

    private record Ca(KeyPair keys, X509CertificateHolder certificate, String pem) {
    }

    private final Map<String, Role> roles = new ConcurrentHashMap<>();
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private volatile Ca ca;
    private final PkiRevocations revocations;

    PkiEngine(Clock clock) {
        this.clock = clock;
        this.revocations = new PkiRevocations(clock);
    }

    @Override
    public String type() {
        return "pki";
    }

    @Override
    public Map<String, String> options() {
        return null;
    }

    /** As Vault: the CA certificate and the CRLs are public. */
    @Override
    public boolean unauthenticatedRead(String relativePath) {
        return relativePath.equals("cert/ca") || relativePath.equals("crl") || relativePath.equals("crl/pem")
                || relativePath.equals("crl/delta") || relativePath.equals("crl/delta/pem");
    }

    /**
     * Only roles have an existence check in Vault's PKI engine; a write elsewhere ({@code sign}, {@code issue},
     * {@code root/generate}) is an update, so a policy needs {@code update} for it, not {@code create}.
     */
    @Override
    public boolean exists(String relativePath) {
        return !relativePath.startsWith("roles/") || roles.containsKey(relativePath.substring(6));
    }

    @Override
    public Reply handle(VaultRequest request, String path) {
        boolean write = request.operation() == Operation.CREATE || request.operation() == Operation.UPDATE;
        if (path.equals("root/generate/internal") && write) {
            return generateRoot(request);
        }
        if (path.startsWith("roles/") && write) {
            return writeRole(path.substring(6), request);
        }
        if (path.startsWith("issue/") && write) {
            return issue(path.substring(6), request);
        }
        if (path.startsWith("sign/") && write) {
            return sign(path.substring(5), request);
        }
        if (path.equals("cert/ca") && request.operation() == Operation.READ) {
            return Reply.data(Json.fields("certificate", requireCa().pem()));
        }
        return revocation(request, path, write);
    }

    /** {@code revoke}, {@code crl[/pem]}, {@code crl/delta[/pem]}, {@code crl/rotate}, {@code config/crl}. */
    private Reply revocation(VaultRequest request, String path, boolean write) {
        boolean read = request.operation() == Operation.READ;
        if (path.equals("revoke") && write) {
            return Reply.data(revocations.revoke(request.param("serial_number"), caKeys()));
        }
        if (path.equals("config/crl")) {
            if (write) {
                return Reply.data(revocations.configure(request, ca == null ? null : caKeys()));
            }
            return Reply.data(revocations.configuration());
        }
        if (path.equals("crl/rotate") && read) {
            revocations.rotate(caKeys());
            return Reply.data(Json.fields("success", true));
        }
        if (read && (path.equals("crl") || path.equals("crl/pem"))) {
            return crl(revocations.complete(caKeys()), path.endsWith("/pem"));
        }
        if (read && (path.equals("crl/delta") || path.equals("crl/delta/pem"))) {
            org.bouncycastle.cert.X509CRLHolder delta = revocations.delta(caKeys());
            return delta == null ? Reply.noContent() : crl(delta, path.endsWith("/pem"));
        }
        throw VaultError.noHandler(path);
    }

    private static Reply crl(org.bouncycastle.cert.X509CRLHolder crl, boolean pem) {
        return pem ? Reply.raw("application/x-pem-file", PkiRevocations.pem(crl))
                : Reply.raw("application/pkix-crl", PkiRevocations.der(crl));
    }

    private PkiRevocations.CaKeys caKeys() {
        Ca authority = requireCa();
        return new PkiRevocations.CaKeys(authority.certificate(), authority.keys());
    }

    private Reply generateRoot(VaultRequest request) {
        String cn = request.param("common_name");
        if (cn == null || cn.isEmpty()) {
            throw VaultError.badRequest("the 'common_name' field must be specified");
        }
        try {
            KeyPair keys = keyPair(request.param("key_type"));
            Instant now = clock.instant();
            long ttl = Durations.seconds(request.param("ttl"), TokenStore.SYSTEM_MAX_TTL);
            X500Name name = new X500Name("CN=" + cn);
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, serial(),
                    Date.from(now.minusSeconds(30)), Date.from(now.plusSeconds(ttl)), name, keys.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            X509CertificateHolder cert = builder.build(signer(keys));
            ca = new Ca(keys, cert, pem(cert));
            return Reply.data(Json.fields("certificate", ca.pem(), "issuing_ca", ca.pem(),
                    "serial_number", serialText(cert.getSerialNumber()),
                    "expiration", cert.getNotAfter().toInstant().getEpochSecond()));
        } catch (GeneralSecurityException | IOException | OperatorCreationException e) {
            throw new VaultError(500, "failed to generate root: " + e.getMessage());
        }
    }

    private Reply writeRole(String name, VaultRequest request) {
        String keyType = request.param("key_type") == null ? "rsa" : request.param("key_type");
        if (!keyType.equals("rsa") && !keyType.equals("ec") && !keyType.equals("any")) {
            throw VaultError.badRequest("unknown key type " + keyType);
        }
        Role role = new Role(Json.stringList(request.body().get("allowed_domains")),
                Boolean.parseBoolean(request.param("allow_subdomains")),
                Boolean.parseBoolean(request.param("allow_any_name")),
                Boolean.parseBoolean(request.param("allow_bare_domains")),
                keyType, Durations.seconds(request.param("ttl"), 0), Durations.seconds(request.param("max_ttl"), 0));
        roles.put(name, role);
        return Reply.data(Json.fields("allowed_domains", role.allowedDomains(), "allow_subdomains",
                role.allowSubdomains(), "allow_any_name", role.allowAnyName(), "key_type", keyType));
    }

    private Reply issue(String roleName, VaultRequest request) {
        Role role = role(roleName);
        if (role.keyType().equals("any")) {
            throw VaultError.badRequest("role key type \"any\" not allowed for issuing certificates, only signing");
        }
        List<String> dnsNames = names(role, request.param("common_name"), List.of(), request);
        try {
            KeyPair keys = keyPair(role.keyType());
            Map<String, Object> data = certificate(role, dnsNames, keys.getPublic(), request);
            data.put("private_key", privateKeyPem(keys, "pkcs8".equals(request.param("private_key_format"))));
            data.put("private_key_type", role.keyType());
            return Reply.data(data);
        } catch (GeneralSecurityException | IOException | OperatorCreationException e) {
            throw new VaultError(500, "failed to issue certificate: " + e.getMessage());
        }
    }

    /** {@code sign/<role>}: a certificate for the CSR's key; the CSR's CN and DNS SANs are used (Vault's defaults). */
    private Reply sign(String roleName, VaultRequest request) {
        Role role = role(roleName);
        String csrPem = request.param("csr");
        if (csrPem == null || csrPem.isEmpty()) {
            throw VaultError.badRequest("\"csr\" is empty");
        }
        JcaPKCS10CertificationRequest csr = csr(csrPem);
        try {
            PublicKey key = csr.getPublicKey();
            String keyType = key.getAlgorithm().equals("EC") ? "ec" : key.getAlgorithm().equals("RSA") ? "rsa" : key.getAlgorithm();
            if (!role.keyType().equals("any") && !role.keyType().equals(keyType)) {
                throw VaultError.badRequest("role requires keys of type " + role.keyType());
            }
            String cn = request.param("common_name") != null && !request.param("common_name").isEmpty()
                    ? request.param("common_name") : commonName(csr);
            return Reply.data(certificate(role, names(role, cn, csrDnsNames(csr), request), key, request));
        } catch (GeneralSecurityException | IOException | OperatorCreationException e) {
            throw new VaultError(500, "failed to sign certificate: " + e.getMessage());
        }
    }

    private Role role(String name) {
        Role role = roles.get(name);
        if (role == null) {
            throw VaultError.badRequest("unknown role: " + name);
        }
        return role;
    }

    /** The certificate's DNS names: the common name, then the CSR's, then {@code alt_names}, each allowed by the role. */
    private static List<String> names(Role role, String cn, List<String> fromCsr, VaultRequest request) {
        if (cn == null || cn.isEmpty()) {
            throw VaultError.badRequest("the common_name field is required, or must be provided in a CSR with "
                    + "\"use_csr_common_name\" set to true, unless \"require_cn\" is set to false");
        }
        List<String> dnsNames = new ArrayList<>(List.of(cn));
        for (String name : concat(fromCsr, Json.stringList(request.body().get("alt_names")))) {
            if (!dnsNames.contains(name)) {
                dnsNames.add(name);
            }
        }
        for (String name : dnsNames) {
            if (!allowed(role, name)) {
                throw VaultError.badRequest("common name " + name + " not allowed by this role");
            }
        }
        return dnsNames;
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    /** Issues a certificate for {@code key}: {@code data} as Vault answers it, without a private key. */
    private Map<String, Object> certificate(Role role, List<String> dnsNames, PublicKey key, VaultRequest request)
            throws IOException, OperatorCreationException {
        Ca authority = requireCa();
        Instant now = clock.instant();
        long ttl = Durations.seconds(request.param("ttl"), role.ttl() > 0 ? role.ttl() : TokenStore.SYSTEM_MAX_TTL);
        if (role.maxTtl() > 0) {
            ttl = Math.min(ttl, role.maxTtl());
        }
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(authority.certificate().getSubject(),
                serial(), Date.from(now.minusSeconds(30)), Date.from(now.plusSeconds(ttl)),
                new X500Name("CN=" + dnsNames.get(0)), key);
        List<GeneralName> sans = new ArrayList<>();
        dnsNames.forEach(n -> sans.add(new GeneralName(GeneralName.dNSName, n)));
        Json.stringList(request.body().get("ip_sans")).forEach(ip -> sans.add(new GeneralName(GeneralName.iPAddress, ip)));
        builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans.toArray(GeneralName[]::new)));
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
        builder.addExtension(Extension.extendedKeyUsage, false,
                new ExtendedKeyUsage(new KeyPurposeId[]{KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
        X509CertificateHolder cert = builder.build(signer(authority.keys()));
        revocations.issued(cert.getSerialNumber(), cert.getNotAfter().toInstant());
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("certificate", pem(cert));
        data.put("issuing_ca", authority.pem());
        data.put("ca_chain", List.of(authority.pem()));
        data.put("serial_number", serialText(cert.getSerialNumber()));
        data.put("expiration", cert.getNotAfter().toInstant().getEpochSecond());
        return data;
    }

    private static JcaPKCS10CertificationRequest csr(String pem) {
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            if (parser.readObject() instanceof PKCS10CertificationRequest request) {
                return new JcaPKCS10CertificationRequest(request);
            }
        } catch (IOException | RuntimeException e) {
            // answered below
        }
        throw VaultError.badRequest("certificate request could not be parsed: no CERTIFICATE REQUEST block");
    }

    private static String commonName(PKCS10CertificationRequest csr) {
        RDN[] cns = csr.getSubject().getRDNs(BCStyle.CN);
        return cns.length == 0 ? null : IETFUtils.valueToString(cns[0].getFirst().getValue());
    }

    private static List<String> csrDnsNames(PKCS10CertificationRequest csr) {
        List<String> names = new ArrayList<>();
        for (Attribute attribute : csr.getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest)) {
            for (ASN1Encodable value : attribute.getAttributeValues()) {
                GeneralNames sans = GeneralNames.fromExtensions(Extensions.getInstance(value), Extension.subjectAlternativeName);
                if (sans != null) {
                    for (GeneralName name : sans.getNames()) {
                        if (name.getTagNo() == GeneralName.dNSName) {
                            names.add(name.getName().toString());
                        }
                    }
                }
            }
        }
        return names;
    }

    private static boolean allowed(Role role, String name) {
        if (role.allowAnyName()) {
            return true;
        }
        for (String domain : role.allowedDomains()) {
            if ((role.allowBareDomains() && name.equals(domain))
                    || (role.allowSubdomains() && name.endsWith("." + domain))) {
                return true;
            }
        }
        return false;
    }

    private Ca requireCa() {
        Ca current = ca;
        if (current == null) {
            throw VaultError.badRequest("no default issuer currently configured");
        }
        return current;
    }

    private KeyPair keyPair(String keyType) throws GeneralSecurityException {
        if ("ec".equals(keyType)) {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), random);
            return generator.generateKeyPair();
        }
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048, random);
        return generator.generateKeyPair();
    }

    static org.bouncycastle.operator.ContentSigner signer(KeyPair keys) throws OperatorCreationException {
        String algorithm = keys.getPrivate().getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
        return new JcaContentSignerBuilder(algorithm).build(keys.getPrivate());
    }

    private BigInteger serial() {
        return new BigInteger(159, random);
    }

    private static String serialText(BigInteger serial) {
        return HexFormat.ofDelimiter(":").formatHex(serial.toByteArray());
    }

    private static String pem(X509CertificateHolder cert) throws IOException {
        return writePem(new PemObject("CERTIFICATE", cert.getEncoded()));
    }

    /** PKCS#1 ({@code RSA PRIVATE KEY}) or SEC1 ({@code EC PRIVATE KEY}) as Vault returns by default, or PKCS#8. */
    private static String privateKeyPem(KeyPair keys, boolean pkcs8) throws IOException {
        if (pkcs8) {
            return writePem(new PemObject("PRIVATE KEY", PrivateKeyInfo.getInstance(keys.getPrivate().getEncoded()).getEncoded()));
        }
        return TestPki.traditionalPrivateKeyPem(keys).trim();
    }

    private static String writePem(PemObject object) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(object);
        }
        return out.toString().trim();
    }
}
