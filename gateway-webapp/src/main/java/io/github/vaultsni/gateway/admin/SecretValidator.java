package io.github.vaultsni.gateway.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.vaultsni.vault.VaultSecretObject;

import java.util.List;

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
        refuseSelfReferences(secret);
    }

    /**
     * A login credential read through this very secret object would need the token that login is to obtain:
     * refused. (A credential read through another secret object is waited for no longer than a Vault request.)
     */
    private static void refuseSelfReferences(ObjectNode secret) {
        String own = "$secret://" + secret.path("id").asText() + "/";
        for (String field : List.of("cert", "key")) {
            if (secret.path("auth").path(field).asText().startsWith(own)) {
                throw AdminException.badRequest("invalid configuration: property \"auth." + field + "\" refers to this "
                        + "secret object, whose login it is for");
            }
        }
    }
}
