package io.github.vaultsni.boot;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.vaultsni.issuer.IssuerSpec;
import io.github.vaultsni.registry.InvalidSslObjectException;
import io.github.vaultsni.registry.SniEntrySpec;
import io.github.vaultsni.registry.SslObject;
import io.github.vaultsni.registry.SslObjectViolation;
import io.github.vaultsni.secret.SecretReference;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The starter's settings, {@code vault-sni.*}: where Vault is, how long its values are cached, and which
 * certificates the application's HTTPS connector serves, chosen by SNI. Without any {@code vault-sni.*} property
 * the starter does nothing. Immutable; {@code toString()} never prints a token, secret_id or key.
 *
 * @param enabled               Whether the starter serves the HTTPS connector's certificates at all
 * @param vault                 The Vault connection, read by {@code $secret://vault/<secret-object-id>/...}
 *                              references; unset parts come from Spring Cloud Vault when it is configured
 * @param cache                 How long Vault values are kept and served through outages
 * @param defaultEntry          Id of the certificate served to clients that send no SNI; none: they are refused
 * @param fallbackSni           The SNI whose certificate serves clients that send none, as APISIX's
 *                              apisix.ssl.fallback_sni (the default entry, when set, comes first)
 * @param certificates          The certificates served, re-applied when the environment is refreshed
 * @param bindingsFile          A JSON file of APISIX SSL objects, served beside vault-sni.certificates and
 *                              re-applied whenever it changes
 * @param bindingsScanInterval  How often the bindings file is checked for changes
 * @param startupTimeout        How long start-up waits for the certificates to be built before the web server
 *                              opens; past it, the rest are served as they are built
 */
@ConfigurationProperties("vault-sni")
public record VaultSniProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue Vault vault,
        @DefaultValue Cache cache,
        String defaultEntry,
        String fallbackSni,
        @DefaultValue List<Certificate> certificates,
        Path bindingsFile,
        @DefaultValue("1s") Duration bindingsScanInterval,
        @DefaultValue("30s") Duration startupTimeout) {

    /** Writes the SSL object's field names from the issuer's components' names: no second list of them. */
    private static final ObjectMapper SSL_OBJECT = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .serializationInclusion(JsonInclude.Include.NON_NULL)
            .build();
    /** The SSL object's fields as these properties name them, where the names differ. */
    private static final Map<String, String> PROPERTIES = Map.of("ssl_protocols", "protocols", "client.ca", "client-ca",
            "client.depth", "client-depth", "sni", "snis", "issuer.vault_pki", "issuer.vault-pki",
            "client.skip_mtls_uri_regex", "client-ca", "client.revocation", "client-revocation", "signer", "signer.vault-transit");

    /** An SSL object's field as these properties name it: {@code client.ca} is {@code client-ca}; {@code certs[1]} stays. */
    static String property(String field) {
        int index = field.indexOf('[');
        String base = index < 0 ? field : field.substring(0, index);
        return PROPERTIES.getOrDefault(base, base) + (index < 0 ? "" : field.substring(index));
    }

    public VaultSniProperties {
        Objects.requireNonNull(vault, "vault");
        Objects.requireNonNull(cache, "cache");
        certificates = List.copyOf(certificates);
    }

    /**
     * The certificates as registry entries, checked: each names the property at fault. An issuer that names no
     * secret object uses this starter's Vault connection ({@code vault-sni.vault.secret-object-id}).
     */
    public List<SniEntrySpec> certificateSpecs() {
        List<SniEntrySpec> specs = new ArrayList<>();
        for (int i = 0; i < certificates.size(); i++) {
            specs.add(certificates.get(i).spec("vault-sni.certificates[" + i + "]", vault.secretObjectId()));
        }
        return specs;
    }

    /**
     * The Vault connection. A token comes from the login {@code auth.method} names (kubernetes, jwt, cert, ...),
     * else from {@code token} (which may be {@code $env://NAME}), else from {@code token-file} (read again when it
     * changes), else AppRole ({@code app-role.role-id}), else Spring Cloud Vault's, else the environment variable
     * {@code VAULT_TOKEN}.
     *
     * @param uri            Vault's address, e.g. http://127.0.0.1:8200; unset: Spring Cloud Vault's, else none
     *                       (only $env:// references and inline PEM then resolve)
     * @param secretObjectId The id in $secret://vault/ID/... references that this connection answers
     * @param prefix         Vault path below which every secret path is read, e.g. kv/apisix
     * @param namespace      Sent as X-Vault-Namespace (Vault Enterprise)
     * @param kvVersion      KV engine version: 1, 2, or auto (asked of Vault once per mount)
     * @param token          A Vault token, or an $env:// reference to one
     * @param tokenFile      A file holding the Vault token, as a Vault Agent sink writes it; read again when it changes
     * @param appRole        AppRole login, used when role-id is set and no token is
     * @param auth           A login by Kubernetes service account, JWT or TLS client certificate (auth.method)
     * @param tls            TLS to an HTTPS Vault
     * @param timeout        The most one request to Vault may take, connecting included
     */
    public record Vault(String uri, @DefaultValue("vault-sni") String secretObjectId, String prefix, String namespace,
                        @DefaultValue("auto") String kvVersion, String token, Path tokenFile,
                        @DefaultValue AppRole appRole, @DefaultValue Auth auth, @DefaultValue Tls tls,
                        @DefaultValue("5s") Duration timeout) {
        public Vault {
            Objects.requireNonNull(appRole, "appRole");
            Objects.requireNonNull(auth, "auth");
            Objects.requireNonNull(tls, "tls");
        }

        @Override
        public String toString() {
            return "Vault{uri=" + uri + ", secretObjectId=" + secretObjectId + ", prefix=" + prefix + ", namespace="
                    + namespace + ", kvVersion=" + kvVersion + ", token=" + (token == null ? "none" : "(redacted)")
                    + ", tokenFile=" + tokenFile + ", appRole=" + appRole + ", auth=" + auth + ", tls=" + tls
                    + ", timeout=" + timeout + "}";
        }
    }

    /**
     * AppRole credentials.
     *
     * @param roleId       The role_id
     * @param secretId     The secret_id, or an $env:// reference to it
     * @param secretIdFile A file holding the secret_id
     * @param mount        Where the AppRole auth method is mounted, below auth/
     */
    public record AppRole(String roleId, String secretId, Path secretIdFile, @DefaultValue("approle") String mount) {
        @Override
        public String toString() {
            return "AppRole{roleId=" + roleId + ", secretId=" + (secretId == null ? "none" : "(redacted)")
                    + ", secretIdFile=" + secretIdFile + ", mount=" + mount + "}";
        }
    }

    /**
     * A login, as the gateway's secret object writes its {@code auth} block (the library's one mapping).
     *
     * @param method    kubernetes, jwt, cert, token_file, approle or token; unset: the token, token-file and app-role
     *                  properties decide
     * @param role      The Vault role to log in as (kubernetes, jwt)
     * @param jwtFile   The JWT, read at every login (jwt; kubernetes: the pod's service-account token by default)
     * @param name      The certificate role to log in against (cert; unset: Vault tries each)
     * @param cert      The client certificate, PEM or an $env:// or $secret:// reference (cert)
     * @param key       Its private key, PEM or a reference (cert)
     * @param certFile  A file holding the client certificate, read at every login (cert)
     * @param keyFile   A file holding its private key, read at every login (cert)
     * @param mount     Where the login method is enabled, below auth/; unset: the method's name
     * @param namespace The Vault namespace to log in to; unset: vault-sni.vault.namespace
     */
    public record Auth(String method, String role, Path jwtFile, String name, String cert, String key, Path certFile,
                       Path keyFile, String mount, String namespace) {

        /** The {@code auth} block these properties write, with the fields that are set. */
        Map<String, Object> toMap() {
            Map<String, Object> out = new LinkedHashMap<>();
            put(out, "method", method);
            put(out, "role", role);
            put(out, "jwt_file", jwtFile);
            put(out, "name", name);
            put(out, "cert", cert);
            put(out, "key", key);
            put(out, "cert_file", certFile);
            put(out, "key_file", keyFile);
            put(out, "mount", mount);
            put(out, "namespace", namespace);
            return out;
        }

        /** A reference as written; an inline value only as {@code inline}. */
        private static String shown(String value) {
            return value == null ? "none" : SecretReference.isReference(value) ? value : "inline";
        }

        private static void put(Map<String, Object> out, String field, Object value) {
            if (value != null && !value.toString().isBlank()) {
                out.put(field, value.toString());
            }
        }

        @Override
        public String toString() {
            return "Auth{method=" + method + ", role=" + role + ", jwtFile=" + jwtFile + ", name=" + name + ", cert="
                    + shown(cert) + ", key=" + shown(key) + ", certFile=" + certFile + ", keyFile="
                    + keyFile + ", mount=" + mount + ", namespace=" + namespace + "}";
        }
    }

    /**
     * TLS to an HTTPS Vault.
     *
     * @param caFile PEM certificates to trust instead of the JDK's
     * @param verify Whether Vault's certificate and host name are verified
     */
    public record Tls(Path caFile, @DefaultValue("true") boolean verify) {
    }

    /**
     * The secret cache.
     *
     * @param ttl         How long a Vault value is fresh; a changed value is served within about this long
     * @param negativeTtl How long a failure is remembered before Vault is asked again
     * @param maxStale    How long past its ttl a value is still served while Vault cannot be read; unset: as long
     *                    as the outage lasts
     */
    public record Cache(@DefaultValue("300s") Duration ttl, @DefaultValue("60s") Duration negativeTtl,
                        Duration maxStale) {
    }

    /**
     * One certificate entry, as an APISIX SSL object. Values are inline PEM, $secret://vault/... or $env://
     * references; or, instead of cert and key, an issuer: Vault's PKI engine issues the certificates.
     *
     * @param id          The entry's id (required)
     * @param snis        The names it is served for; exact, or *.parent for one label
     * @param cert        The certificate chain
     * @param key         Its private key (PKCS#8, PKCS#1 or SEC1)
     * @param certs       More certificates, e.g. an RSA one beside an ECDSA one
     * @param keys        Their keys, one per certs entry
     * @param clientCa    CA certificates for client certificates: clients of this entry must present one
     * @param clientDepth The longest client certificate chain accepted, counting the client's own
     * @param protocols   TLS versions allowed for this entry, e.g. TLSv1.3; empty: any the connector allows
     * @param issuer      Instead of cert and key (and of certs, keys and client-ca): certificates issued for the
     *                    snis by Vault's PKI engine, renewed before they expire and kept in memory
     * @param clientRevocation With client-ca: where revocations of client certificates come from (the SSL object's
     *                    client.revocation)
     * @param signer      Instead of key: the Vault Transit key that signs for cert (keyless; the SSL object's signer)
     */
    public record Certificate(String id, @DefaultValue List<String> snis, String cert, String key,
                              @DefaultValue List<String> certs, @DefaultValue List<String> keys, String clientCa,
                              @DefaultValue("1") int clientDepth, @DefaultValue Set<String> protocols,
                              Issuer issuer, ClientRevocation clientRevocation, Signer signer) {

        /**
         * The SSL object, read as every way in reads one ({@link SslObject}, which checks inline PEM too); {@code name}
         * is how errors call this certificate ({@code vault-sni.certificates[0]}), each naming the property at
         * fault; {@code secretObjectId} is the Vault connection an issuer uses unless it names one.
         */
        SniEntrySpec spec(String name, String secretObjectId) {
            if (id == null || id.isBlank()) {
                throw new IllegalArgumentException(name + ".id is required");
            }
            try {
                return SslObject.parseAndCheck(id, sslObject(secretObjectId));
            } catch (InvalidSslObjectException e) {
                SslObjectViolation first = e.first();
                throw new IllegalArgumentException(name + "." + property(first.field()) + " (" + id + "): "
                        + first.detail(), e);
            }
        }

        /** This certificate as an APISIX SSL object. */
        private ObjectNode sslObject(String secretObjectId) {
            ObjectNode ssl = SSL_OBJECT.createObjectNode();
            snis.forEach(ssl.putArray("snis")::add);
            if (cert != null) {
                ssl.put("cert", cert);
            }
            if (key != null) {
                ssl.put("key", key);
            }
            certs.forEach(ssl.putArray("certs")::add);
            keys.forEach(ssl.putArray("keys")::add);
            protocols.forEach(ssl.putArray("ssl_protocols")::add);
            if (clientCa != null) {
                ObjectNode client = ssl.putObject("client").put("ca", clientCa).put("depth", clientDepth);
                if (clientRevocation != null) {
                    client.set("revocation", clientRevocation.json());
                }
            } else if (clientRevocation != null) {
                ssl.putObject("client").set("revocation", clientRevocation.json()); // refused: no client CA
            }
            if (signer != null) {
                ssl.putObject("signer").set("vault_transit",
                        signer.vaultTransit() == null ? null : signer.vaultTransit().json(secretObjectId));
            }
            if (issuer != null) {
                ssl.putObject("issuer").set("vault_pki", issuer.vaultPki() == null ? null : issuer.vaultPki().json(secretObjectId));
            }
            return ssl;
        }

        @Override
        public String toString() {
            return "Certificate{id=" + id + ", snis=" + snis + (issuer == null ? "" : ", issued") + "}";
        }
    }

    /**
     * Where revocations of an entry's client certificates come from: the SSL object's {@code client.revocation},
     * read by the library ({@code RevocationSpec}), which holds the defaults.
     *
     * @param vaultPki A Vault PKI mount's CRL: its secret object (secret-id) and mount
     * @param crl      Or a CRL, PEM or a $secret:// / $env:// reference
     * @param failMode fail_closed (refuse client certificates without a current list; the default) or fail_open
     * @param refresh  How often the list is fetched again (default 5m)
     * @param grace    How long past its nextUpdate a list is still used (default 1h)
     */
    public record ClientRevocation(RevocationVaultPki vaultPki, String crl, String failMode, Duration refresh,
                                   Duration grace) {
        ObjectNode json() {
            ObjectNode out = SSL_OBJECT.createObjectNode();
            if (vaultPki != null) {
                ObjectNode vault = out.putObject("vault_pki").put("secret_id", vaultPki.secretId());
                if (vaultPki.mount() != null) {
                    vault.put("mount", vaultPki.mount());
                }
            }
            if (crl != null) {
                out.put("crl", crl);
            }
            if (failMode != null) {
                out.put("fail_mode", failMode);
            }
            if (refresh != null) {
                out.put("refresh", refresh.toMillis() / 1000.0);
            }
            if (grace != null) {
                out.put("grace", grace.toMillis() / 1000.0);
            }
            return out;
        }
    }

    /**
     * A Vault PKI mount whose CRL lists revoked client certificates.
     *
     * @param secretId The secret object (Vault connection) to read it through
     * @param mount    The PKI mount (default pki)
     */
    public record RevocationVaultPki(String secretId, String mount) {
    }

    /**
     * Where an entry's private key is kept instead of in {@code key}, the {@code signer} of an SSL object: a Vault
     * Transit key ({@code vault-transit}) that signs each full handshake and never leaves Vault.
     *
     * @param vaultTransit Vault's Transit secrets engine
     */
    public record Signer(VaultTransit vaultTransit) {
    }

    /**
     * A Vault Transit key: the SSL object's {@code signer.vault_transit}, read by the library ({@code SignerSpec}).
     *
     * @param secretId The Vault connection, by secret object id; unset: this starter's (vault-sni.vault.secret-object-id)
     * @param mount    Where Transit is mounted; unset: transit
     * @param key      The key's name (required): ecdsa-p256, ecdsa-p384, rsa-2048, rsa-3072 or rsa-4096
     */
    public record VaultTransit(String secretId, String mount, String key) {
        /** The SSL object's {@code signer.vault_transit}, this starter's Vault connection unless one is named. */
        ObjectNode json(String defaultSecretId) {
            ObjectNode vaultTransit = SSL_OBJECT.valueToTree(this);
            if (secretId == null) {
                vaultTransit.put("secret_id", defaultSecretId);
            }
            return vaultTransit;
        }
    }

    /**
     * Who issues an entry's certificates, the {@code issuer} of an SSL object: {@code vault-pki} (or, as the SSL
     * object writes it, {@code vault_pki}).
     *
     * @param vaultPki Vault's PKI secrets engine
     */
    public record Issuer(VaultPki vaultPki) {
    }

    /**
     * Vault's PKI engine as an issuer: the SSL object's {@code issuer.vault_pki}, field for field, read by the
     * library ({@link SslObject}), which also holds the defaults. The key pair is made in the
     * application and only a CSR is sent to {@code <mount>/sign/<role>} (the key never leaves the process), unless
     * {@code mode} is {@code issue}.
     *
     * @param secretId       The Vault connection, by secret object id; unset: this starter's
     *                       (vault-sni.vault.secret-object-id)
     * @param mount          Where the PKI engine is mounted; unset: pki
     * @param role           The PKI role that issues (required)
     * @param ttl            The lifetime asked for, a Go duration as Vault takes it (72h, 1h30m); unset: the role's
     * @param keyType        The key made for the CSR: ec (P-256) or rsa (2048); unset: ec
     * @param mode           sign (a CSR; the key stays here) or issue (Vault makes the key); unset: sign
     * @param onDemandWait   How long a handshake for a name under a wildcard SNI waits for its certificate, a Go
     *                       duration; unset: 3s
     * @param maxNames       The most certificates for names under wildcard SNIs; unset: 1000
     * @param namesPerMinute The most new names under wildcard SNIs issued a minute; unset: 10
     */
    public record VaultPki(String secretId, String mount, String role, String ttl, IssuerSpec.KeyType keyType,
                           IssuerSpec.Mode mode, String onDemandWait, Integer maxNames, Integer namesPerMinute) {
        /** The SSL object's {@code issuer.vault_pki}, this starter's Vault connection unless one is named. */
        ObjectNode json(String defaultSecretId) {
            ObjectNode vaultPki = SSL_OBJECT.valueToTree(this);
            if (secretId == null) {
                vaultPki.put("secret_id", defaultSecretId);
            }
            return vaultPki;
        }
    }
}
