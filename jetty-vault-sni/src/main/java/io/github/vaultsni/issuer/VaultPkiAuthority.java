package io.github.vaultsni.issuer;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.vaultsni.pem.Pem;
import io.github.vaultsni.secret.SecretException;
import io.github.vaultsni.vault.VaultSecretManager;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Vault's PKI secrets engine as a {@link CertificateAuthority}, through the connection (address, login, namespace,
 * TLS) of the secret object the spec names. In {@link IssuerSpec.Mode#SIGN} the key pair is made here and only a
 * CSR is sent ({@code POST <mount>/sign/<role>} with {@code csr}, {@code common_name}, {@code alt_names},
 * {@code ttl}); in {@link IssuerSpec.Mode#ISSUE} Vault makes the key ({@code POST <mount>/issue/<role>}). The chain
 * kept is Vault's {@code certificate} then its {@code ca_chain}.
 */
public final class VaultPkiAuthority implements CertificateAuthority {

    /** Finds the Vault connection of a secret object ({@code secrets/vault/<id>}). */
    @FunctionalInterface
    public interface Connections {
        Optional<VaultSecretManager> vault(String secretObjectId);
    }

    private final Connections connections;
    private final Clock clock;

    public VaultPkiAuthority(Connections connections, Clock clock) {
        this.connections = connections;
        this.clock = clock;
    }

    @Override
    public IssuedCertificate issue(IssuerSpec spec, List<String> names) {
        VaultSecretManager vault = connections.vault(spec.secretObjectId()).orElseThrow(() -> new SecretException(
                SecretException.Kind.NO_SUCH_SECRET_OBJECT, "no secret object vault/" + spec.secretObjectId()));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("common_name", names.get(0));
        if (names.size() > 1) {
            body.put("alt_names", String.join(",", names.subList(1, names.size())));
        }
        if (spec.ttl() != null) {
            body.put("ttl", GoDuration.format(spec.ttl()));
        }
        String keyPem;
        String operation;
        if (spec.mode() == IssuerSpec.Mode.SIGN) {
            KeyPair keys = keyPair(spec.keyType());
            body.put("csr", csr(keys, names));
            keyPem = Pem.encodePrivateKey(keys.getPrivate());
            operation = "sign";
        } else {
            keyPem = null;
            operation = "issue";
        }
        JsonNode data = vault.write(spec.rolePath(operation), body);
        if (keyPem == null) {
            keyPem = Pem.encodePrivateKey(Pem.decodePrivateKey("Vault's private_key", data.path("private_key").asText(), null));
        }
        StringBuilder chain = new StringBuilder(data.path("certificate").asText()).append('\n');
        data.path("ca_chain").forEach(ca -> chain.append(ca.asText()).append('\n'));
        List<X509Certificate> certificates = Pem.decodeCertificates("Vault's certificate", chain.toString());
        return new IssuedCertificate(names, chain.toString(), keyPem, data.path("serial_number").asText(),
                certificates.get(0).getNotAfter().toInstant(), clock.instant(), spec.fingerprint());
    }

    private static KeyPair keyPair(IssuerSpec.KeyType type) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(type == IssuerSpec.KeyType.EC ? "EC" : "RSA");
            if (type == IssuerSpec.KeyType.EC) {
                generator.initialize(new ECGenParameterSpec("secp256r1"));
            } else {
                generator.initialize(2048);
            }
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot make a " + type + " key pair", e);
        }
    }

    /** A PKCS#10 request for {@code names}: the first as CN, all as DNS SANs; PEM. */
    private static String csr(KeyPair keys, List<String> names) {
        try {
            List<GeneralName> sans = new ArrayList<>();
            names.forEach(name -> sans.add(new GeneralName(GeneralName.dNSName, name)));
            ExtensionsGenerator extensions = new ExtensionsGenerator();
            extensions.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(sans.toArray(GeneralName[]::new)));
            String algorithm = keys.getPrivate().getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
            byte[] der = new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=" + names.get(0)), keys.getPublic())
                    .addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, extensions.generate())
                    .build(new JcaContentSignerBuilder(algorithm).build(keys.getPrivate())).getEncoded();
            return "-----BEGIN CERTIFICATE REQUEST-----\n" + Base64.getMimeEncoder(64, new byte[]{'\n'}).encodeToString(der)
                    + "\n-----END CERTIFICATE REQUEST-----\n";
        } catch (IOException | OperatorCreationException e) {
            throw new IllegalStateException("cannot make a certificate request", e);
        }
    }
}
