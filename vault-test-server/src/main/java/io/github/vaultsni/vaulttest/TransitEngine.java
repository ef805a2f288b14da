package io.github.vaultsni.vaulttest;

import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.oiw.OIWObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.DigestInfo;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.crypto.CryptoException;
import org.bouncycastle.crypto.Digest;
import org.bouncycastle.crypto.digests.SHA1Digest;
import org.bouncycastle.crypto.digests.SHA224Digest;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.digests.SHA384Digest;
import org.bouncycastle.crypto.digests.SHA512Digest;
import org.bouncycastle.crypto.engines.RSABlindedEngine;
import org.bouncycastle.crypto.params.ParametersWithRandom;
import org.bouncycastle.crypto.signers.PSSSigner;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.bouncycastle.crypto.util.PublicKeyFactory;

import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The Transit secrets engine's asymmetric signing keys, as Vault 1.13 serves them: {@code keys/<name>} (create
 * answers 204, and again for a key that exists, unchanged; read gives each version's PKIX {@code public_key}),
 * {@code keys/<name>/rotate}, {@code sign/<name>[/<hash>]} and {@code verify/<name>[/<hash>]} with {@code prehashed},
 * {@code signature_algorithm} ({@code pss}, the default, or {@code pkcs1v15}), {@code marshaling_algorithm}
 * ({@code asn1} or {@code jws}) and {@code salt_length} ({@code auto}: the largest salt when signing, any when
 * verifying; {@code hash}; or a number). Keys are {@code ecdsa-p256}, {@code ecdsa-p384}, {@code rsa-2048},
 * {@code rsa-3072} and {@code rsa-4096}; other types (symmetric ones among them) are refused, saying so, and so
 * are hash algorithms other than SHA-2.
 */
final class TransitEngine implements SecretsEngine {
    private static final List<String> TYPES = List.of("ecdsa-p256", "ecdsa-p384", "rsa-2048", "rsa-3072", "rsa-4096");
    private static final List<String> VAULT_TYPES = List.of("aes128-gcm96", "aes256-gcm96", "chacha20-poly1305",
            "ed25519", "ecdsa-p256", "ecdsa-p384", "ecdsa-p521", "rsa-2048", "rsa-3072", "rsa-4096", "hmac");
    private static final Map<String, HashAlgorithm> HASHES = Map.of(
            "sha1", new HashAlgorithm("SHA-1", OIWObjectIdentifiers.idSHA1, SHA1Digest::new),
            "sha2-224", new HashAlgorithm("SHA-224", NISTObjectIdentifiers.id_sha224, SHA224Digest::new),
            "sha2-256", new HashAlgorithm("SHA-256", NISTObjectIdentifiers.id_sha256, SHA256Digest::new),
            "sha2-384", new HashAlgorithm("SHA-384", NISTObjectIdentifiers.id_sha384, SHA384Digest::new),
            "sha2-512", new HashAlgorithm("SHA-512", NISTObjectIdentifiers.id_sha512, SHA512Digest::new));

    private record HashAlgorithm(String jca, ASN1ObjectIdentifier oid, Supplier<Digest> digest) {
        int length() {
            return digest.get().getDigestSize();
        }
    }

    private record Version(KeyPair keys, Instant created) {
    }

    private record Key(String name, String type, List<Version> versions) {
        boolean rsa() {
            return type.startsWith("rsa");
        }
    }

    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Key> keys = new ConcurrentHashMap<>();

    TransitEngine(Clock clock) {
        this.clock = clock;
    }

    @Override
    public String type() {
        return "transit";
    }

    @Override
    public Map<String, String> options() {
        return null;
    }

    @Override
    public boolean exists(String relativePath) {
        return !relativePath.startsWith("keys/") || keys.containsKey(relativePath.substring(5));
    }

    @Override
    public Reply handle(VaultRequest request, String path) {
        boolean write = request.operation() == Operation.CREATE || request.operation() == Operation.UPDATE;
        String[] parts = path.split("/");
        if (parts.length == 2 && parts[0].equals("keys")) {
            if (write) {
                return create(parts[1], request);
            }
            if (request.operation() == Operation.READ) {
                return read(parts[1]);
            }
        }
        if (parts.length == 3 && parts[0].equals("keys") && parts[2].equals("rotate") && write) {
            return rotate(parts[1]);
        }
        if ((parts.length == 2 || parts.length == 3) && write && (parts[0].equals("sign") || parts[0].equals("verify"))) {
            String hash = parts.length == 3 ? parts[2] : request.param("hash_algorithm");
            return parts[0].equals("sign") ? sign(parts[1], hash, request) : verify(parts[1], hash, request);
        }
        throw VaultError.noHandler(path);
    }

    private Reply create(String name, VaultRequest request) {
        String type = request.param("type") == null ? "aes256-gcm96" : request.param("type");
        if (!VAULT_TYPES.contains(type)) {
            throw VaultError.badRequest("unknown key type " + type);
        }
        if (keys.containsKey(name)) {
            return Reply.noContent(); // as Vault 1.13: an existing key stays as it is
        }
        if (!TYPES.contains(type)) {
            throw VaultError.badRequest("the test server makes only " + String.join(", ", TYPES) + " keys, not " + type);
        }
        keys.put(name, new Key(name, type, List.of(newVersion(type))));
        return Reply.noContent();
    }

    private Reply rotate(String name) {
        Key key = keys.get(name);
        if (key == null) {
            throw VaultError.badRequest("key not found");
        }
        List<Version> versions = new ArrayList<>(key.versions());
        versions.add(newVersion(key.type()));
        keys.put(name, new Key(name, key.type(), List.copyOf(versions)));
        return Reply.noContent();
    }

    private Reply read(String name) {
        Key key = keys.get(name);
        if (key == null) {
            throw VaultError.notFound();
        }
        Map<String, Object> versions = new LinkedHashMap<>();
        for (int i = 0; i < key.versions().size(); i++) {
            Version version = key.versions().get(i);
            versions.put(String.valueOf(i + 1), Json.fields("name", curveOrType(key), "public_key",
                    publicKeyPem(version.keys()), "creation_time", version.created().toString()));
        }
        return Reply.data(Json.fields("name", key.name(), "type", key.type(), "keys", versions,
                "latest_version", key.versions().size(), "min_available_version", 0, "min_decryption_version", 1,
                "min_encryption_version", 0, "supports_encryption", key.rsa(), "supports_decryption", key.rsa(),
                "supports_derivation", false, "supports_signing", true, "exportable", false, "deletion_allowed", false,
                "allow_plaintext_backup", false, "auto_rotate_period", 0, "imported_key", false, "derived", false));
    }

    private Reply sign(String name, String hashName, VaultRequest request) {
        Key key = requireKey(name);
        HashAlgorithm hash = hash(hashName);
        byte[] input = base64Input(request);
        int versionNumber = version(key, request);
        KeyPair keyPair = key.versions().get(versionNumber - 1).keys();
        byte[] digest = digest(hash, input, request);
        byte[] signature;
        try {
            if (key.rsa()) {
                signature = "pkcs1v15".equals(algorithm(request)) ? pkcs1(keyPair, hash, digest)
                        : pss(keyPair, hash, digest, signingSalt(request.param("salt_length"), keyPair, hash));
            } else {
                Signature ecdsa = Signature.getInstance("NONEwithECDSA");
                ecdsa.initSign(keyPair.getPrivate(), random);
                ecdsa.update(digest);
                signature = ecdsa.sign();
                if ("jws".equals(marshaling(request))) {
                    signature = jws(signature, fieldBytes(keyPair));
                }
            }
        } catch (GeneralSecurityException | CryptoException | IOException e) {
            throw new VaultError(500, "1 error occurred:\n\t* " + e.getMessage() + "\n\n");
        }
        Base64.Encoder encoder = !key.rsa() && "jws".equals(marshaling(request))
                ? Base64.getUrlEncoder().withoutPadding() : Base64.getEncoder();
        return Reply.data(Json.fields("signature", "vault:v" + versionNumber + ":" + encoder.encodeToString(signature),
                "key_version", versionNumber));
    }

    private Reply verify(String name, String hashName, VaultRequest request) {
        Key key = requireKey(name);
        HashAlgorithm hash = hash(hashName);
        byte[] input = base64Input(request);
        String text = request.param("signature");
        if (text == null || !text.startsWith("vault:")) {
            throw VaultError.badRequest("invalid signature: no prefix");
        }
        String[] fields = text.split(":");
        if (fields.length != 3) {
            throw VaultError.badRequest("invalid signature: wrong number of fields");
        }
        int version;
        try {
            version = Integer.parseInt(fields[1].substring(1));
        } catch (NumberFormatException | IndexOutOfBoundsException e) {
            throw VaultError.badRequest("invalid signature: version number could not be decoded");
        }
        if (version > key.versions().size()) {
            throw VaultError.badRequest("invalid signature: version is too new");
        }
        boolean jws = !key.rsa() && "jws".equals(marshaling(request));
        byte[] signature;
        try {
            signature = (jws ? Base64.getUrlDecoder() : Base64.getDecoder()).decode(fields[2]);
        } catch (IllegalArgumentException e) {
            throw VaultError.badRequest("invalid base64 signature value");
        }
        KeyPair keyPair = key.versions().get(version - 1).keys();
        byte[] digest = digest(hash, input, request);
        try {
            boolean valid = key.rsa()
                    ? "pkcs1v15".equals(algorithm(request)) ? pkcs1Valid(keyPair, hash, digest, signature)
                    : pssValid(keyPair, hash, digest, signature, request.param("salt_length"))
                    : ecdsaValid(keyPair, digest, jws ? der(signature) : signature);
            return Reply.data(Json.fields("valid", valid));
        } catch (GeneralSecurityException | IOException e) {
            throw VaultError.badRequest("supplied signature is invalid");
        }
    }

    private Key requireKey(String name) {
        Key key = keys.get(name);
        if (key == null) {
            throw VaultError.badRequest("encryption key not found");
        }
        return key;
    }

    private static HashAlgorithm hash(String name) {
        String wanted = name == null || name.isEmpty() ? "sha2-256" : name;
        HashAlgorithm hash = HASHES.get(wanted);
        if (hash == null) {
            throw VaultError.badRequest("the test server signs with sha1, sha2-224, sha2-256, sha2-384 or sha2-512 only, not "
                    + wanted);
        }
        return hash;
    }

    private static byte[] base64Input(VaultRequest request) {
        try {
            return Base64.getDecoder().decode(request.param("input") == null ? "" : request.param("input"));
        } catch (IllegalArgumentException e) {
            throw VaultError.badRequest("unable to decode input as base64: " + e.getMessage());
        }
    }

    private static int version(Key key, VaultRequest request) {
        int wanted = request.param("key_version") == null ? 0 : Integer.parseInt(request.param("key_version"));
        if (wanted < 0 || wanted > key.versions().size()) {
            throw new VaultError(500, "1 error occurred:\n\t* requested version for signing is not available\n\n");
        }
        return wanted == 0 ? key.versions().size() : wanted;
    }

    /** The input itself when {@code prehashed} (an RSA digest must have the hash's length), else its digest. */
    private static byte[] digest(HashAlgorithm hash, byte[] input, VaultRequest request) {
        if (!Boolean.parseBoolean(request.param("prehashed"))) {
            try {
                return MessageDigest.getInstance(hash.jca()).digest(input);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
        return input;
    }

    private static String algorithm(VaultRequest request) {
        String algorithm = request.param("signature_algorithm");
        if (algorithm != null && !algorithm.isEmpty() && !algorithm.equals("pss") && !algorithm.equals("pkcs1v15")) {
            throw new VaultError(500, "1 error occurred:\n\t* unsupported rsa signature algorithm " + algorithm + "\n\n");
        }
        return algorithm == null || algorithm.isEmpty() ? "pss" : algorithm;
    }

    private static String marshaling(VaultRequest request) {
        String marshaling = request.param("marshaling_algorithm");
        if (marshaling != null && !marshaling.isEmpty() && !marshaling.equals("asn1") && !marshaling.equals("jws")) {
            throw VaultError.badRequest("unsupported marshaling algorithm " + marshaling);
        }
        return marshaling == null || marshaling.isEmpty() ? "asn1" : marshaling;
    }

    /** {@code auto} (or 0): the largest salt; {@code hash}: the digest's length; else the number given. */
    private static int signingSalt(String saltLength, KeyPair keys, HashAlgorithm hash) {
        int largest = (((RSAPublicKey) keys.getPublic()).getModulus().bitLength() - 1 + 7) / 8 - hash.length() - 2;
        if (saltLength == null || saltLength.isEmpty() || saltLength.equals("auto")) {
            return largest;
        }
        if (saltLength.equals("hash")) {
            return hash.length();
        }
        int value;
        try {
            value = Integer.parseInt(saltLength);
        } catch (NumberFormatException e) {
            throw VaultError.badRequest("salt length value must be 'auto', 'hash', or an integer; got " + saltLength);
        }
        if (value < -1) {
            throw VaultError.badRequest("salt length value must be 'auto', 'hash', or an integer; got " + saltLength);
        }
        return value <= 0 ? value == 0 ? largest : hash.length() : value;
    }

    private byte[] pss(KeyPair keys, HashAlgorithm hash, byte[] digest, int salt) throws CryptoException, IOException {
        requireDigestLength(hash, digest);
        PSSSigner signer = PSSSigner.createRawSigner(new RSABlindedEngine(), hash.digest().get(), hash.digest().get(),
                salt, PSSSigner.TRAILER_IMPLICIT);
        signer.init(true, new ParametersWithRandom(PrivateKeyFactory.createKey(keys.getPrivate().getEncoded()), random));
        signer.update(digest, 0, digest.length);
        return signer.generateSignature();
    }

    private static boolean pssValid(KeyPair keys, HashAlgorithm hash, byte[] digest, byte[] signature, String saltLength)
            throws IOException {
        if (digest.length != hash.length()) {
            return false;
        }
        int largest = (((RSAPublicKey) keys.getPublic()).getModulus().bitLength() - 1 + 7) / 8 - hash.length() - 2;
        List<Integer> salts = new ArrayList<>();
        if (saltLength == null || saltLength.isEmpty() || saltLength.equals("auto") || saltLength.equals("0")) {
            for (int salt = 0; salt <= largest; salt++) {
                salts.add(salt); // "auto" when verifying: any salt length
            }
        } else {
            salts.add(saltLength.equals("hash") || saltLength.equals("-1") ? hash.length() : Integer.parseInt(saltLength));
        }
        for (int salt : salts) {
            PSSSigner verifier = PSSSigner.createRawSigner(new RSABlindedEngine(), hash.digest().get(),
                    hash.digest().get(), salt, PSSSigner.TRAILER_IMPLICIT);
            verifier.init(false, PublicKeyFactory.createKey(keys.getPublic().getEncoded()));
            verifier.update(digest, 0, digest.length);
            if (verifier.verifySignature(signature)) {
                return true;
            }
        }
        return false;
    }

    private byte[] pkcs1(KeyPair keys, HashAlgorithm hash, byte[] digest) throws GeneralSecurityException, IOException {
        requireDigestLength(hash, digest);
        Signature rsa = Signature.getInstance("NONEwithRSA");
        rsa.initSign(keys.getPrivate(), random);
        rsa.update(new DigestInfo(new AlgorithmIdentifier(hash.oid(), DERNull.INSTANCE), digest).getEncoded());
        return rsa.sign();
    }

    private static boolean pkcs1Valid(KeyPair keys, HashAlgorithm hash, byte[] digest, byte[] signature)
            throws GeneralSecurityException, IOException {
        if (digest.length != hash.length()) {
            return false;
        }
        Signature rsa = Signature.getInstance("NONEwithRSA");
        rsa.initVerify(keys.getPublic());
        rsa.update(new DigestInfo(new AlgorithmIdentifier(hash.oid(), DERNull.INSTANCE), digest).getEncoded());
        return rsa.verify(signature);
    }

    private static boolean ecdsaValid(KeyPair keys, byte[] digest, byte[] derSignature) throws GeneralSecurityException {
        Signature ecdsa = Signature.getInstance("NONEwithECDSA");
        ecdsa.initVerify(keys.getPublic());
        ecdsa.update(digest);
        return ecdsa.verify(derSignature);
    }

    private static void requireDigestLength(HashAlgorithm hash, byte[] digest) {
        if (digest.length != hash.length()) {
            throw new VaultError(500, "1 error occurred:\n\t* crypto/rsa: input must be hashed with given hash\n\n");
        }
    }

    /** ASN.1 (r, s) as JWS writes it: r and s, each the curve's length, one after the other. */
    private static byte[] jws(byte[] der, int size) {
        ASN1Sequence sequence = ASN1Sequence.getInstance(der);
        byte[] out = new byte[size * 2];
        copy(ASN1Integer.getInstance(sequence.getObjectAt(0)).getPositiveValue(), out, 0, size);
        copy(ASN1Integer.getInstance(sequence.getObjectAt(1)).getPositiveValue(), out, size, size);
        return out;
    }

    private static void copy(BigInteger value, byte[] out, int offset, int size) {
        byte[] bytes = value.toByteArray();
        int start = bytes.length > size ? bytes.length - size : 0;
        System.arraycopy(bytes, start, out, offset + size - (bytes.length - start), bytes.length - start);
    }

    private static byte[] der(byte[] jws) throws IOException {
        if (jws.length % 2 != 0) {
            throw new IOException("odd JWS signature");
        }
        int half = jws.length / 2;
        return new DERSequence(new ASN1Integer[]{new ASN1Integer(new BigInteger(1, Arrays.copyOfRange(jws, 0, half))),
                new ASN1Integer(new BigInteger(1, Arrays.copyOfRange(jws, half, jws.length)))}).getEncoded();
    }

    private static int fieldBytes(KeyPair keys) {
        return (((ECPublicKey) keys.getPublic()).getParams().getCurve().getField().getFieldSize() + 7) / 8;
    }

    private static String curveOrType(Key key) {
        return switch (key.type()) {
            case "ecdsa-p256" -> "P-256";
            case "ecdsa-p384" -> "P-384";
            default -> key.type();
        };
    }

    private Version newVersion(String type) {
        try {
            KeyPairGenerator generator;
            if (type.startsWith("ecdsa")) {
                generator = KeyPairGenerator.getInstance("EC");
                generator.initialize(new ECGenParameterSpec(type.equals("ecdsa-p256") ? "secp256r1" : "secp384r1"), random);
            } else {
                generator = KeyPairGenerator.getInstance("RSA");
                generator.initialize(Integer.parseInt(type.substring(4)), random);
            }
            return new Version(generator.generateKeyPair(), clock.instant());
        } catch (GeneralSecurityException e) {
            throw new VaultError(500, "failed to generate key: " + e.getMessage());
        }
    }

    private static String publicKeyPem(KeyPair keys) {
        return "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes())
                .encodeToString(keys.getPublic().getEncoded()) + "\n-----END PUBLIC KEY-----\n";
    }
}
