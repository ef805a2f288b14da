package io.github.vaultsni.sni;

import java.time.Instant;
import java.util.List;

/**
 * Why an entry is or is not served, for operators (exposed over HTTP by the gateway). Holds no secret: the
 * error names references and causes only, never values.
 *
 * @param id         the entry id
 * @param state      where the entry stands
 * @param error      why it is not served (FAILED); for an object with an issuer, the last issuance error even
 *                   while it is served; else null
 * @param subject    the main certificate's subject, once built
 * @param sans       its DNS names
 * @param notAfter   the earliest expiry among its certificates
 * @param validNow   whether every certificate is within its validity period now
 * @param references the secret references the entry reads
 * @param updated    when this status was set
 * @param issued     for an object with an issuer: each certificate issued for it; else empty
 */
public record SniEntryStatus(String id, State state, String error, String subject, List<String> sans,
                             Instant notAfter, boolean validNow, List<String> references, Instant updated,
                             List<IssuedName> issued) {

    public SniEntryStatus {
        sans = List.copyOf(sans);
        references = List.copyOf(references);
        issued = List.copyOf(issued);
    }

    /**
     * One certificate issued for an object: the names it covers (the object's exact names together, or one name
     * under a wildcard), its serial, when it expires and when it will be renewed.
     */
    public record IssuedName(List<String> names, String serial, Instant notAfter, Instant renewAt) {
    }

    /** Where an entry stands. */
    public enum State {
        /** Its references are being resolved (or its certificate issued) for the first time. */
        PENDING,
        /** Built and served. */
        ACTIVE,
        /** Its references or PEM failed: not served; {@code error} says why. */
        FAILED,
        /** Configured with {@code enabled = false}: not served. */
        DISABLED
    }
}
