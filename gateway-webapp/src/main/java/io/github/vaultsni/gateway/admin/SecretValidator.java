package io.github.vaultsni.gateway.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.vaultsni.vault.VaultSecretObject;

/**
 * A Vault secret object: the schema ({@code schema/secret-vault.json}: APISIX's {@code uri}, {@code prefix},
 * {@code token}, {@code namespace}, and ours), then what a connection needs ({@link VaultSecretObject}: one of a
 * token and an AppRole login, an http or https address).
 */
final class SecretValidator implements Validator {
    @Override
    public void validate(ObjectNode secret, Lookup lookup) {
        JsonSchemas.apisix().check("secret-vault.json", secret);
        try {
            VaultSecretObject.fromJson(secret);
        } catch (IllegalArgumentException e) {
            throw AdminException.badRequest(e.getMessage());
        }
    }
}
