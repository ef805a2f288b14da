package io.github.vaultsni.gateway.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.vaultsni.vault.VaultSecretObject;

import java.util.Map;

/** A Vault secret object: APISIX's {@code {uri, prefix, token, namespace}} and ours, by {@link VaultSecretObject}. */
final class SecretValidator implements Validator {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public void validate(ObjectNode secret, Lookup lookup) {
        try {
            VaultSecretObject.parse(settings(secret));
        } catch (IllegalArgumentException e) {
            throw AdminException.badRequest(e.getMessage());
        }
    }

    /** The object as the Vault settings parser takes it: without the admin API's own fields. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> settings(ObjectNode secret) {
        ObjectNode copy = secret.deepCopy();
        copy.remove(java.util.List.of("id", "create_time", "update_time"));
        return JSON.convertValue(copy, Map.class);
    }
}
