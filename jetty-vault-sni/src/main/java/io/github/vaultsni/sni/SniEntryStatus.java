package io.github.vaultsni.sni;

import java.time.Instant;
import java.util.List;

/**
 * Why an entry is or is not served, for operators (exposed over HTTP by the gateway). Holds no secret: the
 * error names references and causes only, never values.
 *
 * @param id         the entry id
 * @param state      where the entry stands
 * @param error      why it is not served (FAILED), or null
 * @param subject    the main certificate's subject, once built
 * @param sans       its DNS names
 * @param notAfter   the earliest expiry among its certificates
 * @param validNow   whether every certificate is within its validity period now
 * @param references the secret references the entry reads
 * @param updated    when this status was set
 */
public record SniEntryStatus(String id, State state, String error, String subject, List<String> sans,
                             Instant notAfter, boolean validNow, List<String> references, Instant updated) {

    /** Where an entry stands. */
    public enum State {
        /** Its references are being resolved for the first time. */
        PENDING,
        /** Built and served. */
        ACTIVE,
        /** Its references or PEM failed: not served; {@code error} says why. */
        FAILED,
        /** Configured with {@code enabled = false}: not served. */
        DISABLED
    }
}
