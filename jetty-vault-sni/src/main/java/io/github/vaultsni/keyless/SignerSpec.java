package io.github.vaultsni.keyless;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.vaultsni.vault.VaultPath;

import java.util.Objects;

/**
 * Where an SSL object's private key is kept instead of in its {@code key}: a Vault Transit signing key, which signs
 * each full handshake and never leaves Vault. The {@code signer} field of an SSL object, an extension to APISIX's:
 * <pre>{@code
 * "cert": "<PEM or $secret:// reference>",
 * "signer": {"vault_transit": {"secret_id": "vault-1", "mount": "transit", "key": "gateway"}}
 * }</pre>
 * Nothing here is secret: {@code GET} shows it as written.
 *
 * @param secretId the secret object ({@code /apisix/admin/secrets/vault/<secret_id>}) whose Vault holds the key
 * @param mount    where Transit is mounted (default {@code transit})
 * @param key      the Transit key's name; its type is {@code ecdsa-p256}, {@code ecdsa-p384}, {@code rsa-2048},
 *                 {@code rsa-3072} or {@code rsa-4096}
 */
public record SignerSpec(String secretId, String mount, String key) {
    public static final String DEFAULT_MOUNT = "transit";

    public SignerSpec {
        requireText(secretId, "signer.vault_transit.secret_id");
        requireText(mount, "signer.vault_transit.mount");
        requireText(key, "signer.vault_transit.key");
        VaultPath.parseMount(mount, "signer.vault_transit.mount");
        if (!VaultPath.isSegment(key)) {
            throw new IllegalArgumentException("signer.vault_transit.key: not a Transit key name: " + key);
        }
    }

    /** Where the key is signed with: {@code <mount>/sign/<key>}, and read: {@code <mount>/keys/<key>}. */
    public VaultPath mountPath() {
        return VaultPath.parseMount(mount, "signer.vault_transit.mount");
    }

    /**
     * Reads a {@code signer} block.
     *
     * @throws IllegalArgumentException naming the field
     */
    public static SignerSpec fromJson(JsonNode signer) {
        if (!signer.isObject()) {
            throw new IllegalArgumentException("signer: expected an object");
        }
        signer.fieldNames().forEachRemaining(field -> {
            if (!field.equals("vault_transit")) {
                throw new IllegalArgumentException("signer." + field + ": not a field of signer (vault_transit)");
            }
        });
        JsonNode transit = signer.path("vault_transit");
        if (!transit.isObject()) {
            throw new IllegalArgumentException("signer: vault_transit is required");
        }
        transit.fieldNames().forEachRemaining(field -> {
            if (!field.equals("secret_id") && !field.equals("mount") && !field.equals("key")) {
                throw new IllegalArgumentException("signer.vault_transit." + field + ": not a field of vault_transit");
            }
        });
        return new SignerSpec(transit.path("secret_id").asText(null), transit.path("mount").asText(DEFAULT_MOUNT),
                transit.path("key").asText(null));
    }

    private static void requireText(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " is required");
        }
    }

    @Override
    public String toString() {
        return "vault_transit " + secretId + ":" + mount + "/keys/" + key;
    }
}
