package io.github.vaultsni.vault;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.vaultsni.pem.CertifiedKey;
import io.github.vaultsni.pem.Pem;
import io.github.vaultsni.pem.PemException;
import io.github.vaultsni.secret.SecretException;
import io.github.vaultsni.secret.SecretException.Kind;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * One login, for every method that logs in: {@code POST auth/<mount>/login} with the method's body (AppRole's
 * role_id and secret_id, a role and a JWT read from its file, a certificate role presented with the client
 * certificate), in the method's namespace, answered with a token. Files and references are read at each login, so
 * a rotated JWT or certificate, or a secret_id behind an {@code $env://} reference, is used from the next login on. A refusal (400, 403) is
 * {@link Kind#AUTH_FAILED} with Vault's words; an outage keeps its kind.
 */
final class VaultLogin {
    /** What a login granted. */
    record Grant(String token, Duration duration, boolean renewable) {
        @Override
        public String toString() {
            return "Grant{token=redacted, duration=" + duration + ", renewable=" + renewable + "}";
        }
    }

    private VaultLogin() {
    }

    /**
     * Logs in.
     *
     * @param secrets resolves a reference written for a credential
     * @throws SecretException {@link Kind#AUTH_FAILED} when Vault refuses or a credential cannot be read; an
     *                         outage's kind when Vault cannot answer
     */
    static Grant login(VaultClient client, VaultAuth auth, UnaryOperator<String> secrets) {
        Map<String, Object> body = new LinkedHashMap<>();
        VaultAuth.AuthMount mount;
        CertifiedKey clientKey = null;
        String action;
        if (auth instanceof VaultAuth.AppRole appRole) {
            mount = appRole.mount();
            action = "logging in with AppRole role_id " + appRole.roleId();
            body.put("role_id", appRole.roleId());
            body.put("secret_id", secrets.apply(appRole.secretId()));
        } else if (auth instanceof VaultAuth.Kubernetes kubernetes) {
            mount = kubernetes.mount();
            action = "logging in with Kubernetes role " + kubernetes.role();
            body.put("role", kubernetes.role());
            body.put("jwt", readJwt(kubernetes.jwtFile(), action));
        } else if (auth instanceof VaultAuth.Jwt jwt) {
            mount = jwt.mount();
            action = "logging in with JWT role " + jwt.role();
            body.put("role", jwt.role());
            body.put("jwt", readJwt(jwt.jwtFile(), action));
        } else if (auth instanceof VaultAuth.Cert cert) {
            mount = cert.mount();
            action = "logging in with a certificate" + (cert.name() == null ? "" : " (role " + cert.name() + ")");
            if (cert.name() != null) {
                body.put("name", cert.name());
            }
            clientKey = clientKey(cert, secrets, action);
        } else {
            throw new IllegalArgumentException(auth.method() + " does not log in");
        }
        action += " at auth/" + mount.path();
        VaultClient.Answer answer = client.login(mount.loginPath(), body, mount.namespace(), clientKey, action);
        return grant(answer, action);
    }

    private static Grant grant(VaultClient.Answer answer, String action) {
        JsonNode auth = answer.json() == null ? null : answer.json().get("auth");
        if (answer.status() == 200 && auth != null && auth.hasNonNull("client_token")) {
            return new Grant(auth.get("client_token").asText(), Duration.ofSeconds(auth.path("lease_duration").asLong()),
                    auth.path("renewable").asBoolean());
        }
        SecretException error = answer.status() == 200
                ? new SecretException(Kind.BAD_RESPONSE, "Vault answered no token " + action)
                : VaultErrors.fromStatus(answer.status(), answer.body(), action);
        throw refused(error);
    }

    /** A login Vault refused (a bad credential, an unknown role) is an authentication failure. */
    static SecretException refused(SecretException error) {
        return error.kind().isOutage() ? error : new SecretException(Kind.AUTH_FAILED, error.getMessage());
    }

    private static String readJwt(Path file, String action) {
        String jwt = read(file, action).trim();
        if (jwt.isEmpty()) {
            throw new SecretException(Kind.AUTH_FAILED, "the JWT file " + file + " is empty " + action);
        }
        return jwt;
    }

    private static CertifiedKey clientKey(VaultAuth.Cert cert, UnaryOperator<String> secrets, String action) {
        String certificate = value(cert.certificate(), secrets, action);
        String key = value(cert.key(), secrets, action);
        try {
            return Pem.decodeCertifiedKey("auth.cert", certificate, "auth.key", key, null);
        } catch (PemException e) {
            throw new SecretException(Kind.AUTH_FAILED, e.getMessage() + " " + action);
        }
    }

    private static String value(VaultAuth.Source source, UnaryOperator<String> secrets, String action) {
        if (source instanceof VaultAuth.Source.File file) {
            return read(file.path(), action);
        }
        return secrets.apply(((VaultAuth.Source.Value) source).text());
    }

    private static String read(Path file, String action) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new SecretException(Kind.AUTH_FAILED, "cannot read " + file + " (" + e.getClass().getSimpleName()
                    + ") " + action);
        }
    }
}
