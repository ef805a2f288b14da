package io.github.vaultsni.issuer;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.vaultsni.vault.VaultPath;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How an SSL object's certificates are issued by Vault's PKI engine instead of being stored: the
 * {@code issuer.vault_pki} of an SSL object.
 *
 * @param secretObjectId   the Vault secret object ({@code secrets/vault/<id>}) whose address and login are used
 * @param mount            where the PKI engine is mounted: a Vault path ({@link VaultPath}), one or more segments
 * @param role             the PKI role that issues: one Vault path segment
 * @param ttl              the lifetime asked for, or null for the role's
 * @param keyType          the key made here for {@link Mode#SIGN}
 * @param mode             who makes the private key
 * @param onDemandWait     how long a handshake for a name under a wildcard SNI may wait for its certificate
 * @param maxNames         the most certificates (names under wildcards) this object may hold
 * @param namesPerMinute   the most new names under wildcards issued per minute
 *
 * <p>The last three have upper bounds ({@link #pastBounds()}): a written object past one is refused; one stored
 * before the bounds existed is served within them ({@link #withinBounds()}), said once when it is read.
 */
public record IssuerSpec(String secretObjectId, String mount, String role, Duration ttl, KeyType keyType, Mode mode,
                         Duration onDemandWait, int maxNames, int namesPerMinute) {

    /**
     * The upper bound of {@code on_demand_wait}: below the listeners' 30 s idle timeout, which would close a
     * connection parked longer, and about what a client waits for a handshake.
     */
    public static final Duration MAX_ON_DEMAND_WAIT = Duration.ofSeconds(20);
    /** The upper bound of {@code max_names}. */
    public static final int MAX_MAX_NAMES = 10_000;
    /** The upper bound of {@code names_per_minute}. */
    public static final int MAX_NAMES_PER_MINUTE = 600;

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
        VaultPath.parseMount(mount, "issuer.vault_pki.mount");
        if (!VaultPath.isSegment(role)) {
            throw new IllegalArgumentException("issuer.vault_pki.role: \"" + role + "\" is not one Vault path segment"
                    + " (letters, digits and -._~!$&'()*+,;=:@, not . or ..)");
        }
        if (ttl != null && (ttl.isNegative() || ttl.isZero())) {
            throw new IllegalArgumentException("issuer ttl (" + ttl + ") must be positive");
        }
        if (onDemandWait.isNegative()) {
            throw new IllegalArgumentException("issuer on_demand_wait must not be negative");
        }
        if (maxNames < 1 || namesPerMinute < 1) {
            throw new IllegalArgumentException("issuer max_names and names_per_minute must be at least 1");
        }
    }

    /** What is past its upper bound, as messages naming the field; empty when nothing is. */
    public List<String> pastBounds() {
        List<String> past = new ArrayList<>();
        if (onDemandWait.compareTo(MAX_ON_DEMAND_WAIT) > 0) {
            past.add("issuer.vault_pki.on_demand_wait (" + GoDuration.format(onDemandWait) + ") must be at most "
                    + GoDuration.format(MAX_ON_DEMAND_WAIT));
        }
        if (maxNames > MAX_MAX_NAMES) {
            past.add("issuer.vault_pki.max_names (" + maxNames + ") must be at most " + MAX_MAX_NAMES);
        }
        if (namesPerMinute > MAX_NAMES_PER_MINUTE) {
            past.add("issuer.vault_pki.names_per_minute (" + namesPerMinute + ") must be at most " + MAX_NAMES_PER_MINUTE);
        }
        return past;
    }

    /** This spec with each bounded value at most its bound. */
    public IssuerSpec withinBounds() {
        return new IssuerSpec(secretObjectId, mount, role, ttl, keyType, mode,
                onDemandWait.compareTo(MAX_ON_DEMAND_WAIT) > 0 ? MAX_ON_DEMAND_WAIT : onDemandWait,
                Math.min(maxNames, MAX_MAX_NAMES), Math.min(namesPerMinute, MAX_NAMES_PER_MINUTE));
    }

    /** The Vault path of an operation on this spec's role: {@code <mount>/<operation>/<role>}. */
    public VaultPath rolePath(String operation) {
        return VaultPath.parseMount(mount, "issuer.vault_pki.mount").resolve(operation, role);
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
                count(vaultPki, "max_names", defaults.maxNames()),
                count(vaultPki, "names_per_minute", defaults.namesPerMinute()));
    }

    /** An integer field, or {@code otherwise} when absent; anything else is refused, not read as a default. */
    private static int count(JsonNode object, String field, int otherwise) {
        JsonNode value = object.get(field);
        if (value == null || value.isNull()) {
            return otherwise;
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt()) {
            throw new IllegalArgumentException("issuer " + field + " (" + value + ") must be an integer");
        }
        return value.intValue();
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
