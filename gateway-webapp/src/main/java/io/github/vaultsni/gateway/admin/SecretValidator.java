package io.github.vaultsni.gateway.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.vaultsni.secret.SecretReference;
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
     * A token or login credential read through this very secret object would need the token it is to give:
     * refused. (A credential read through another secret object is waited for no longer than a Vault request.)
     */
    private static void refuseSelfReferences(ObjectNode secret) {
        String id = secret.path("id").asText();
        String own = id.startsWith("vault/") ? id : "vault/" + id;
        for (String field : List.of("token", "auth.token", "auth.secret_id", "auth.cert", "auth.key")) {
            JsonNode value = field.startsWith("auth.") ? secret.path("auth").path(field.substring(5)) : secret.path(field);
            if (value.isTextual() && refersTo(value.asText(), own)) {
                throw AdminException.badRequest("invalid configuration: property \"" + field + "\" refers to this "
                        + "secret object, which needs it to reach Vault");
            }
        }
    }

    private static boolean refersTo(String value, String secretObject) {
        try {
            SecretReference reference = SecretReference.parse(value);
            return reference.scheme() == SecretReference.Scheme.SECRET
                    && reference.location().secretObject().equals(secretObject);
        } catch (IllegalArgumentException notAReference) {
            return false;
        }
    }
}
