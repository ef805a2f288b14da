package io.github.vaultsni.vault;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A Vault connection, shaped like APISIX's secret object {@code {uri, prefix, token, namespace}} plus what
 * APISIX lacks: KV version, AppRole, TLS for an HTTPS Vault, a timeout. Immutable; build with
 * {@link #builder(String)}, whose setters state each default. {@code toString()} never prints a secret.
 */
public final class VaultSettings {
    /** APISIX's check of a secret object's {@code uri}. */
    private static final Pattern URI_PATTERN =
            Pattern.compile("^[^/]+://([\\da-zA-Z.-]+|\\[[\\da-fA-F:]+])(:\\d+)?");

    private final String uri;
    private final String prefix;
    private final String namespace;
    private final KvVersion kvVersion;
    private final VaultAuth auth;
    private final String caPem;
    private final boolean verify;
    private final Duration timeout;

    private VaultSettings(Builder b) {
        this.uri = b.uri;
        this.prefix = b.prefix;
        this.namespace = b.namespace;
        this.kvVersion = b.kvVersion;
        this.auth = Objects.requireNonNull(b.auth, "auth (a token or AppRole credentials) is required");
        this.caPem = b.caPem;
        this.verify = b.verify;
        this.timeout = b.timeout;
    }

    /** Settings for the Vault at {@code uri} ({@code http://127.0.0.1:8200}); a token or AppRole is required. */
    public static Builder builder(String uri) {
        return new Builder(uri);
    }

    public String uri() {
        return uri;
    }

    /** The path prefix every secret path is read below, without leading or trailing {@code /} (may be empty). */
    public String prefix() {
        return prefix;
    }

    public Optional<String> namespace() {
        return Optional.ofNullable(namespace);
    }

    public KvVersion kvVersion() {
        return kvVersion;
    }

    public VaultAuth auth() {
        return auth;
    }

    public Optional<String> caPem() {
        return Optional.ofNullable(caPem);
    }

    public boolean verify() {
        return verify;
    }

    public Duration timeout() {
        return timeout;
    }

    /**
     * The full Vault path of a secret path: {@code prefix/path}.
     *
     * @throws IllegalArgumentException when {@code path} has a segment no Vault path may ({@link VaultPath})
     */
    public VaultPath fullPath(String path) {
        return VaultPath.parse(prefix, "prefix").resolve(VaultPath.parse(path, "secret path"));
    }

    @Override
    public String toString() {
        return "VaultSettings{uri=" + uri + ", prefix=" + prefix + ", namespace=" + namespace + ", kvVersion="
                + kvVersion + ", auth=" + auth + ", ca=" + (caPem == null ? "system" : "pem") + ", verify=" + verify
                + ", timeout=" + timeout + "}";
    }

    /** Builder for {@link VaultSettings}. */
    public static final class Builder {
        private final String uri;
        private String prefix = "";
        private String namespace;
        private KvVersion kvVersion = KvVersion.AUTO;
        private VaultAuth auth;
        private String caPem;
        private boolean verify = true;
        private Duration timeout = Duration.ofSeconds(5);

        private Builder(String uri) {
            Objects.requireNonNull(uri, "uri");
            if (!URI_PATTERN.matcher(uri).find()) {
                throw new IllegalArgumentException("uri (" + uri + ") must look like http://host:port");
            }
            String scheme = URI.create(uri).getScheme();
            if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme)) {
                throw new IllegalArgumentException("uri (" + uri + ") must use http or https");
            }
            this.uri = uri.endsWith("/") ? uri.substring(0, uri.length() - 1) : uri;
        }

        /** Secret paths are read below this Vault path, e.g. {@code kv/apisix}. Default: none. */
        public Builder prefix(String prefix) {
            this.prefix = prefix == null ? "" : VaultPath.parse(prefix, "prefix").toString();
            return this;
        }

        /** Sent as {@code X-Vault-Namespace} (Vault Enterprise; Community ignores it). Default: none. */
        public Builder namespace(String namespace) {
            this.namespace = namespace == null || namespace.isBlank() ? null : namespace;
            return this;
        }

        /** The KV engine version. Default: {@link KvVersion#AUTO}, detected once per mount. */
        public Builder kvVersion(KvVersion kvVersion) {
            this.kvVersion = Objects.requireNonNull(kvVersion, "kvVersion");
            return this;
        }

        /** A static token or AppRole credentials. Required. */
        public Builder auth(VaultAuth auth) {
            this.auth = Objects.requireNonNull(auth, "auth");
            return this;
        }

        /** PEM certificates to trust for an HTTPS Vault instead of the JDK's. Default: the JDK's trust store. */
        public Builder caPem(String caPem) {
            this.caPem = caPem == null || caPem.isBlank() ? null : caPem;
            return this;
        }

        /** Whether to verify an HTTPS Vault's certificate and host name. Default: true. */
        public Builder verify(boolean verify) {
            this.verify = verify;
            return this;
        }

        /** The most one request to Vault may take, connecting included. Default: 5 s. */
        public Builder timeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout (" + timeout + ") must be positive");
            }
            this.timeout = timeout;
            return this;
        }

        /**
         * @throws IllegalArgumentException when a certificate login is asked of an http address (a client certificate
         *                                  needs TLS)
         */
        public VaultSettings build() {
            if (auth instanceof VaultAuth.Cert && !uri.regionMatches(true, 0, "https:", 0, 6)) {
                throw new IllegalArgumentException("auth.method cert needs an https Vault address, not " + uri);
            }
            return new VaultSettings(this);
        }
    }
}
