package io.github.vaultsni.vault;

import io.github.vaultsni.secret.SecretReference;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * How a secret object gets its Vault token: a static token, a token file a Vault Agent keeps fresh, or a login
 * (AppRole, Kubernetes service account, JWT, TLS client certificate). A login-based token is renewed before it
 * expires and replaced by a new login when renewal stops helping or Vault refuses it (see
 * {@link VaultTokenSession}). Values that are secrets may be written as {@code $env://} or {@code $secret://}
 * references, resolved at each login; files are read at each login, so a rotated JWT or certificate is picked
 * up without a restart. {@code toString()} and {@link #describe()} never print a secret.
 */
public sealed interface VaultAuth {
    /** Where Kubernetes mounts a pod's service-account token. */
    Path KUBERNETES_JWT = Path.of("/var/run/secrets/kubernetes.io/serviceaccount/token");

    /** A static token (APISIX's {@code token}), renewed with renew-self before it expires when it is renewable. */
    static VaultAuth token(String token) {
        return new Token(token);
    }

    /** AppRole login at {@code auth/approle}; the token is renewed, or the login repeated, before it expires. */
    static VaultAuth appRole(String roleId, String secretId) {
        return new AppRole(roleId, secretId, AuthMount.of("approle"));
    }

    /** The method's name, as the secret object's {@code auth.method} writes it (e.g. {@code kubernetes}). */
    String method();

    /** What the method uses, without its secrets (mount, role, files), for the secret object's status. */
    Map<String, String> describe();

    /** Whether the method gets its tokens by logging in (else a token is given, inline or in a file). */
    default boolean logsIn() {
        return false;
    }

    /**
     * Whether its token is renewed with renew-self before it expires. Not a certificate login's: Vault wants the
     * certificate on the renewing connection too, so a new login is made instead.
     */
    default boolean renewsWithRenewSelf() {
        return true;
    }

    /**
     * Where a login method is enabled: its path below {@code auth/}, and the Vault namespace to log in to (null:
     * the secret object's own).
     */
    record AuthMount(String path, String namespace) {
        public AuthMount {
            requireText(path, "mount");
            path = VaultPath.parseMount(path, "auth.mount").toString();
            namespace = namespace == null || namespace.isBlank() ? null : namespace;
        }

        public static AuthMount of(String path) {
            return new AuthMount(path, null);
        }

        /** {@code auth/<path>/login}. */
        VaultPath loginPath() {
            return VaultPath.of("auth").resolve(VaultPath.parse(path, "auth.mount")).resolve(VaultPath.of("login"));
        }

        void describeInto(Map<String, String> out) {
            out.put("mount", path);
            if (namespace != null) {
                out.put("namespace", namespace);
            }
        }
    }

    /**
     * A secret value given inline, as an {@code $env://} or {@code $secret://} reference, or as a file; read at
     * each use.
     */
    sealed interface Source {
        static Source value(String text) {
            return new Value(text);
        }

        static Source file(Path file) {
            return new File(file);
        }

        /** How status pages name it: the reference or file, or {@code inline}. */
        String describe();

        /** An inline value or a reference to resolve. */
        record Value(String text) implements Source {
            public Value {
                requireText(text, "value");
            }

            @Override
            public String describe() {
                return SecretReference.isReference(text) ? text : "inline";
            }

            @Override
            public String toString() {
                return describe();
            }
        }

        /** A file, read at each use. */
        record File(Path path) implements Source {
            public File {
                Objects.requireNonNull(path, "file");
            }

            @Override
            public String describe() {
                return path.toString();
            }
        }
    }

    /** A static token. */
    record Token(String token) implements VaultAuth {
        public Token {
            requireText(token, "token");
        }

        @Override
        public String method() {
            return "token";
        }

        @Override
        public Map<String, String> describe() {
            return SecretReference.isReference(token) ? Map.of("token", token) : Map.of();
        }

        @Override
        public String toString() {
            return "token(redacted)";
        }
    }

    /**
     * A token a Vault Agent (or anything else) keeps in a file: read again when the file changes and when Vault
     * refuses the token; renewed as a static token is when renewable (harmless beside the agent's own renewal, and
     * what a token written by hand needs).
     */
    record TokenFile(Path file) implements VaultAuth {
        public TokenFile {
            Objects.requireNonNull(file, "token_file");
        }

        @Override
        public String method() {
            return "token_file";
        }

        @Override
        public Map<String, String> describe() {
            return Map.of("token_file", file.toString());
        }
    }

    /**
     * AppRole credentials.
     *
     * @param roleId   the role_id (an identifier, not a secret)
     * @param secretId the secret_id, or an {@code $env://} reference to it
     * @param mount    where the AppRole auth method is enabled
     */
    record AppRole(String roleId, String secretId, AuthMount mount) implements VaultAuth {
        public AppRole {
            requireText(roleId, "role_id");
            requireText(secretId, "secret_id");
            Objects.requireNonNull(mount, "mount");
        }

        public AppRole(String roleId, String secretId, String mount) {
            this(roleId, secretId, AuthMount.of(mount));
        }

        @Override
        public String method() {
            return "approle";
        }

        @Override
        public boolean logsIn() {
            return true;
        }

        @Override
        public Map<String, String> describe() {
            Map<String, String> out = new LinkedHashMap<>();
            out.put("role_id", roleId);
            mount.describeInto(out);
            return out;
        }

        @Override
        public String toString() {
            return "approle(role_id=" + roleId + ", secret_id=redacted, mount=" + mount.path() + ")";
        }
    }

    /**
     * Kubernetes: the pod's service-account JWT, read from its file at every login (the kubelet rotates it), and
     * the Vault role bound to the service account.
     */
    record Kubernetes(String role, Path jwtFile, AuthMount mount) implements VaultAuth {
        public Kubernetes {
            requireText(role, "role");
            Objects.requireNonNull(jwtFile, "jwt_file");
            Objects.requireNonNull(mount, "mount");
        }

        @Override
        public String method() {
            return "kubernetes";
        }

        @Override
        public boolean logsIn() {
            return true;
        }

        @Override
        public Map<String, String> describe() {
            return roleLogin(role, jwtFile, mount);
        }
    }

    /** JWT auth: a JWT read from a file at every login (whoever writes it may rotate it), and the Vault role. */
    record Jwt(String role, Path jwtFile, AuthMount mount) implements VaultAuth {
        public Jwt {
            requireText(role, "role");
            Objects.requireNonNull(jwtFile, "jwt_file");
            Objects.requireNonNull(mount, "mount");
        }

        @Override
        public String method() {
            return "jwt";
        }

        @Override
        public boolean logsIn() {
            return true;
        }

        @Override
        public Map<String, String> describe() {
            return roleLogin(role, jwtFile, mount);
        }
    }

    /**
     * TLS certificate auth: the client certificate and key presented to an HTTPS Vault at login, read at every
     * login.
     *
     * @param name        the certificate role to log in against; null lets Vault try every role
     * @param certificate the client certificate (PEM, with its chain)
     * @param key         its private key (PEM)
     */
    record Cert(String name, Source certificate, Source key, AuthMount mount) implements VaultAuth {
        public Cert {
            name = name == null || name.isBlank() ? null : name;
            Objects.requireNonNull(certificate, "cert");
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(mount, "mount");
        }

        @Override
        public String method() {
            return "cert";
        }

        @Override
        public boolean logsIn() {
            return true;
        }

        @Override
        public boolean renewsWithRenewSelf() {
            return false;
        }

        @Override
        public Map<String, String> describe() {
            Map<String, String> out = new LinkedHashMap<>();
            if (name != null) {
                out.put("name", name);
            }
            out.put("cert", certificate.describe());
            out.put("key", key.describe());
            mount.describeInto(out);
            return out;
        }

        @Override
        public String toString() {
            return "cert(" + describe() + ")";
        }
    }

    private static Map<String, String> roleLogin(String role, Path jwtFile, AuthMount mount) {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("role", role);
        out.put("jwt_file", jwtFile.toString());
        mount.describeInto(out);
        return out;
    }

    private static void requireText(String value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be empty");
        }
    }
}
