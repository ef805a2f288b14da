package io.github.vaultsni.keyless;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.vaultsni.pem.CertifiedKey;
import io.github.vaultsni.pem.Pem;
import io.github.vaultsni.secret.SecretException;
import io.github.vaultsni.vault.VaultPath;
import io.github.vaultsni.vault.VaultSecretManager;

import java.security.PublicKey;
import java.security.SignatureException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Signs with one version of a Vault Transit key: {@code POST <mount>/sign/<key>/<hash>} with the digest
 * ({@code prehashed}), the version, the scheme TLS negotiated ({@code pss} with a salt as long as the hash, or
 * {@code pkcs1v15}; ECDSA in ASN.1), within the {@link RemoteSignings} bounds. {@link #certifiedKey} makes the
 * handle of the version whose public key a certificate holds.
 */
public final class TransitSigner implements RemoteSigner {
    /** The Transit key types a keyless object may name: what TLS signs with. */
    public static final Set<String> KEY_TYPES = Set.of("ecdsa-p256", "ecdsa-p384", "rsa-2048", "rsa-3072", "rsa-4096");
    private static final Map<String, String> TRANSIT_HASHES = Map.of("SHA-1", "sha1", "SHA-256", "sha2-256",
            "SHA-384", "sha2-384", "SHA-512", "sha2-512");

    /** The Vault connections by secret object id, looked up at each signature: a replaced one is used at once. */
    private final Function<String, Optional<VaultSecretManager>> vaults;
    private final SignerSpec spec;
    private final int version;
    private final RemoteSignings signings;
    private final String description;

    private TransitSigner(Function<String, Optional<VaultSecretManager>> vaults, SignerSpec spec, int version,
                          RemoteSignings signings) {
        this.vaults = vaults;
        this.spec = spec;
        this.version = version;
        this.signings = signings;
        this.description = spec + " v" + version;
    }

    /**
     * The certificate chain in {@code chain} whose leaf's key is the newest version of {@code spec}'s Transit key
     * holding a certificate's public key there, with that version's handle as its private key. Reads the key from
     * Vault ({@code GET <mount>/keys/<key>}): call it off any handshake.
     *
     * @param vaults the Vault connections by secret object id (a secret resolver's), read now and at each signature
     * @throws IllegalArgumentException when the key is missing, cannot sign TLS, or matches no certificate
     * @throws SecretException          when Vault refuses or cannot be reached, or there is no such connection
     */
    public static CertifiedKey certifiedKey(SignerSpec spec, String certSource, List<X509Certificate> chain,
                                            Function<String, Optional<VaultSecretManager>> vaults,
                                            RemoteSignings signings) {
        VaultSecretManager vault = vault(vaults, spec);
        VaultPath keyPath = spec.mountPath().resolve("keys", spec.key());
        JsonNode key = vault.readData(keyPath).orElseThrow(() -> new IllegalArgumentException(
                "signer: Vault " + spec.secretId() + " has no Transit key at " + keyPath));
        String type = key.path("type").asText();
        if (!KEY_TYPES.contains(type)) {
            throw new IllegalArgumentException("signer: the Transit key " + keyPath + " is " + type
                    + "; a keyless certificate's key is one of " + String.join(", ", KEY_TYPES.stream().sorted().toList()));
        }
        Map<Integer, PublicKey> versions = publicKeys(keyPath, key.path("keys"));
        for (int version = versions.keySet().stream().max(Integer::compare).orElse(0); version > 0; version--) {
            PublicKey publicKey = versions.get(version);
            if (publicKey != null && holds(chain, publicKey)) {
                KeylessProvider.install(); // JSSE finds the handle's signatures among the installed providers
                TransitSigner signer = new TransitSigner(vaults, spec, version, signings);
                return Pem.certifiedHandle(certSource, chain, publicKey,
                        KeylessKey.of(publicKey, signer, signer.description));
            }
        }
        throw new IllegalArgumentException("signer: no version of the Transit key " + keyPath + " (" + versions.size()
                + " read) holds the public key of a certificate in " + certSource);
    }

    private static VaultSecretManager vault(Function<String, Optional<VaultSecretManager>> vaults, SignerSpec spec) {
        return vaults.apply(spec.secretId()).orElseThrow(() -> new SecretException(
                SecretException.Kind.NO_SUCH_SECRET_OBJECT, "signer: no secret object vault/" + spec.secretId()));
    }

    private static Map<Integer, PublicKey> publicKeys(VaultPath keyPath, JsonNode keys) {
        Map<Integer, PublicKey> versions = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = keys.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            String pem = entry.getValue().path("public_key").asText("");
            if (!pem.isEmpty() && entry.getKey().matches("[1-9][0-9]{0,8}")) {
                versions.put(Integer.parseInt(entry.getKey()), Pem.decodePublicKey(keyPath + " v" + entry.getKey(), pem));
            }
        }
        return versions;
    }

    private static boolean holds(List<X509Certificate> chain, PublicKey publicKey) {
        byte[] encoded = publicKey.getEncoded();
        return chain.stream().anyMatch(c -> Arrays.equals(c.getPublicKey().getEncoded(), encoded));
    }

    @Override
    public byte[] sign(SignatureScheme scheme, String hash, byte[] digest) throws SignatureException {
        return signings.sign(spec.secretId(), description, () -> call(scheme, hash, digest));
    }

    private byte[] call(SignatureScheme scheme, String hash, byte[] digest) {
        String transitHash = TRANSIT_HASHES.get(hash);
        if (transitHash == null) {
            throw new IllegalArgumentException("no Transit hash for " + hash);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("input", Base64.getEncoder().encodeToString(digest));
        body.put("prehashed", true);
        body.put("key_version", version);
        body.put("marshaling_algorithm", "asn1");
        if (scheme.transitAlgorithm() != null) {
            body.put("signature_algorithm", scheme.transitAlgorithm());
        }
        if (scheme == SignatureScheme.RSA_PSS) {
            body.put("salt_length", "hash"); // TLS's; Transit's default, "auto", is the largest salt, which TLS 1.3 refuses
        }
        VaultPath path = spec.mountPath().resolve("sign", spec.key(), transitHash);
        String signature = vault(vaults, spec).write(path, body).path("signature").asText("");
        String prefix = "vault:v" + version + ":";
        if (!signature.startsWith(prefix)) {
            throw new IllegalStateException("Vault's answer at " + path + " holds no signature by version " + version);
        }
        return Base64.getDecoder().decode(signature.substring(prefix.length()));
    }

    @Override
    public String toString() {
        return "TransitSigner{" + description + "}";
    }
}
