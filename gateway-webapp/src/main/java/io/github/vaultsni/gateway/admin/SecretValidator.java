package io.github.vaultsni.gateway.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.vaultsni.vault.VaultSecretObject;

import java.util.List;
import java.util.Map;

/**
 * A Vault secret object: the schema ({@code schema/secret-vault.json}: APISIX's {@code uri}, {@code prefix},
 * {@code token}, {@code namespace}, and ours), then what a connection needs ({@link VaultSecretObject}: one of a
 * token and an AppRole login, an http or https address).
 */
final class SecretValidator implements Validator {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public void validate(ObjectNode secret, Lookup lookup) {
        JsonSchemas.apisix().check("secret-vault.json", secret);
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
        copy.remove(List.of("id", "create_time", "update_time"));
        return JSON.convertValue(copy, Map.class);
    }
}
