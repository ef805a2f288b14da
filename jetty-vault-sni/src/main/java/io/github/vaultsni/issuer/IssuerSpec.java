package io.github.vaultsni.issuer;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.Objects;

/**
 * How an SSL object's certificates are issued by Vault's PKI engine instead of being stored: the
 * {@code issuer.vault_pki} of an SSL object.
 *
 * @param secretObjectId   the Vault secret object ({@code secrets/vault/<id>}) whose address and login are used
 * @param mount            where the PKI engine is mounted
 * @param role             the PKI role that issues
 * @param ttl              the lifetime asked for, or null for the role's
 * @param keyType          the key made here for {@link Mode#SIGN}
 * @param mode             who makes the private key
 * @param onDemandWait     how long a handshake for a name under a wildcard SNI may wait for its certificate
 * @param maxNames         the most certificates (names under wildcards) this object may hold
 * @param namesPerMinute   the most new names under wildcards issued per minute
 */
public record IssuerSpec(String secretObjectId, String mount, String role, Duration ttl, KeyType keyType, Mode mode,
                         Duration onDemandWait, int maxNames, int namesPerMinute) {

    /** The key made for a CSR: EC P-256 or RSA 2048. */
    public enum KeyType { EC, RSA }

    /**
     * {@code sign}: the key pair is made here and only a CSR goes to Vault ({@code <mount>/sign/<role>}), so the
     * private key never leaves the process; {@code issue}: Vault makes the key ({@code <mount>/issue/<role>}), for
     * roles that forbid signing.
     */
    public enum Mode { SIGN, ISSUE }

    public IssuerSpec {
        Objects.requireNonNull(secretObjectId, "secretObjectId");
        Objects.requireNonNull(mount, "mount");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(keyType, "keyType");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(onDemandWait, "onDemandWait");
        if (ttl != null && (ttl.isNegative() || ttl.isZero())) {
            throw new IllegalArgumentException("issuer ttl (" + ttl + ") must be positive");
        }
        if (maxNames < 1 || namesPerMinute < 1) {
            throw new IllegalArgumentException("issuer max_names and names_per_minute must be at least 1");
        }
    }

    /** Vault PKI with the defaults: mount {@code pki}, the role's ttl, EC keys, sign mode, 3 s, 1000 names, 10 a minute. */
    public static IssuerSpec of(String secretObjectId, String role) {
        return new IssuerSpec(secretObjectId, "pki", role, null, KeyType.EC, Mode.SIGN, Duration.ofSeconds(3), 1000, 10);
    }

    /**
     * Reads {@code issuer.vault_pki} ({@code secret_id}, {@code mount}, {@code role}, {@code ttl},
     * {@code key_type}, {@code mode}, {@code on_demand_wait}, {@code max_names}, {@code names_per_minute}).
     *
     * @throws IllegalArgumentException saying which field is wrong
     */
    public static IssuerSpec fromJson(JsonNode vaultPki) {
        if (!vaultPki.hasNonNull("secret_id") || !vaultPki.hasNonNull("role")) {
            throw new IllegalArgumentException("issuer.vault_pki needs secret_id and role");
        }
        IssuerSpec defaults = of(vaultPki.get("secret_id").asText(), vaultPki.get("role").asText());
        return new IssuerSpec(defaults.secretObjectId(), vaultPki.path("mount").asText(defaults.mount()),
                defaults.role(),
                vaultPki.hasNonNull("ttl") ? GoDuration.parse(vaultPki.get("ttl").asText(), "issuer ttl") : null,
                choice(KeyType.class, vaultPki.path("key_type").asText("ec"), "issuer key_type"),
                choice(Mode.class, vaultPki.path("mode").asText("sign"), "issuer mode"),
                vaultPki.hasNonNull("on_demand_wait")
                        ? GoDuration.parse(vaultPki.get("on_demand_wait").asText(), "issuer on_demand_wait")
                        : defaults.onDemandWait(),
                vaultPki.path("max_names").asInt(defaults.maxNames()),
                vaultPki.path("names_per_minute").asInt(defaults.namesPerMinute()));
    }

    private static <E extends Enum<E>> E choice(Class<E> type, String text, String field) {
        for (E value : type.getEnumConstants()) {
            if (value.name().equalsIgnoreCase(text)) {
                return value;
            }
        }
        throw new IllegalArgumentException(field + " (" + text + ") is not one of "
                + java.util.Arrays.toString(type.getEnumConstants()).toLowerCase(java.util.Locale.ROOT));
    }

    /**
     * What a certificate issued under this spec depends on: a stored certificate is adopted only while it still
     * matches (a changed role, ttl, mount, key type or mode issues a new one).
     */
    public String fingerprint() {
        return secretObjectId + "|" + mount + "|" + role + "|" + ttl + "|" + keyType + "|" + mode;
    }
}
