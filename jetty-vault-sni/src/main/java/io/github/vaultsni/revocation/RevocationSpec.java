package io.github.vaultsni.revocation;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.Objects;

/**
 * Where an SSL object's client certificates' revocations come from, and what to do without a current list: the
 * {@code revocation} field of its {@code client} block, an extension to APISIX's SSL object.
 * <pre>{@code
 * "client": {"ca": "...", "revocation": {
 *     "vault_pki": {"secret_id": "vault-1", "mount": "pki"},     -- or "crl": "<PEM or $secret:// reference>"
 *     "fail_mode": "fail_closed",                                -- or "fail_open"
 *     "refresh": 300, "grace": 3600}}                            -- seconds
 * }</pre>
 * A list is fetched in the background, verified against the client CA, and fetched again every {@code refresh}
 * and at its {@code nextUpdate}. Past {@code nextUpdate} plus {@code grace} (or before the first list) the object
 * refuses client certificates ({@code fail_closed}) or accepts them unchecked ({@code fail_open}).
 *
 * @param source  where the list comes from
 * @param failMode what happens without a current list
 * @param refresh how often the list is fetched again
 * @param grace   how long past its {@code nextUpdate} a list is still used
 */
public record RevocationSpec(Source source, FailMode failMode, Duration refresh, Duration grace) {
    public static final Duration DEFAULT_REFRESH = Duration.ofMinutes(5);
    public static final Duration DEFAULT_GRACE = Duration.ofHours(1);
    /** The longest {@code refresh} or {@code grace}: 30 days. */
    public static final Duration MAX_SECONDS = Duration.ofDays(30);

    public RevocationSpec {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(failMode, "fail_mode");
        Objects.requireNonNull(refresh, "refresh");
        Objects.requireNonNull(grace, "grace");
    }

    /** What to do without a current list. */
    public enum FailMode {
        /** Refuse client certificates (the default). */
        FAIL_CLOSED,
        /** Accept them, unchecked. */
        FAIL_OPEN
    }

    /** Where the list comes from. */
    public sealed interface Source {
        /** {@code <mount>/crl} (and {@code <mount>/crl/delta}, when the mount has one) of a Vault secret object's Vault. */
        record VaultPki(String secretId, String mount) implements Source {
            public VaultPki {
                requireText(secretId, "revocation.vault_pki.secret_id");
                requireText(mount, "revocation.vault_pki.mount");
            }
        }

        /** A CRL, PEM, inline or as a reference, resolved again at each refresh. */
        record Crl(String pem) implements Source {
            public Crl {
                requireText(pem, "revocation.crl");
            }
        }
    }

    /**
     * Reads a {@code revocation} block.
     *
     * @throws IllegalArgumentException naming the field
     */
    public static RevocationSpec fromJson(JsonNode revocation) {
        if (!revocation.isObject()) {
            throw new IllegalArgumentException("revocation: expected an object");
        }
        revocation.fieldNames().forEachRemaining(field -> {
            if (!field.equals("vault_pki") && !field.equals("crl") && !field.equals("fail_mode")
                    && !field.equals("refresh") && !field.equals("grace")) {
                throw new IllegalArgumentException("revocation." + field + ": not a field of revocation");
            }
        });
        revocation.path("vault_pki").fieldNames().forEachRemaining(field -> {
            if (!field.equals("secret_id") && !field.equals("mount")) {
                throw new IllegalArgumentException("revocation.vault_pki." + field + ": not a field of vault_pki");
            }
        });
        boolean vault = revocation.hasNonNull("vault_pki");
        boolean crl = revocation.hasNonNull("crl");
        if (vault == crl) {
            throw new IllegalArgumentException("revocation: exactly one of vault_pki and crl is required");
        }
        Source source = vault ? new Source.VaultPki(revocation.path("vault_pki").path("secret_id").asText(null),
                revocation.path("vault_pki").path("mount").asText("pki")) : new Source.Crl(revocation.get("crl").asText(null));
        String mode = revocation.path("fail_mode").asText("fail_closed");
        FailMode failMode = switch (mode) {
            case "fail_closed" -> FailMode.FAIL_CLOSED;
            case "fail_open" -> FailMode.FAIL_OPEN;
            default -> throw new IllegalArgumentException("revocation.fail_mode: fail_closed or fail_open, not " + mode);
        };
        return new RevocationSpec(source, failMode, seconds(revocation, "refresh", DEFAULT_REFRESH),
                seconds(revocation, "grace", DEFAULT_GRACE));
    }

    private static Duration seconds(JsonNode revocation, String field, Duration defaultValue) {
        JsonNode value = revocation.get(field);
        if (value == null || value.isNull()) {
            return defaultValue;
        }
        double minimum = field.equals("refresh") ? 1 : 0;
        if (!value.isNumber() || value.asDouble() < minimum || value.asDouble() > MAX_SECONDS.toSeconds()) {
            throw new IllegalArgumentException("revocation." + field + ": a number of seconds from " + (long) minimum
                    + " to " + MAX_SECONDS.toSeconds());
        }
        return Duration.ofMillis((long) (value.asDouble() * 1000));
    }

    private static void requireText(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " is required");
        }
    }
}
