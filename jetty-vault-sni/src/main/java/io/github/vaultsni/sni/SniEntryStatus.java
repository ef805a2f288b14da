package io.github.vaultsni.sni;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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

        /** As {@link SniEntryStatus#toMap()} lists it. */
        Map<String, Object> toMap() {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("names", names);
            out.put("serial", serial);
            out.put("not_after", notAfter.getEpochSecond());
            out.put("renew_at", renewAt.getEpochSecond());
            return Collections.unmodifiableMap(out);
        }
    }

    /**
     * This status as the gateway's {@code GET /apisix/admin/ssls/{id}/status} answers it, for any JSON writer:
     * {@code id}, {@code state}, {@code error} and {@code subject} (null when none), {@code sans} (when any),
     * {@code not_after} (seconds since the epoch) and {@code valid_now} (once built), {@code references} (when
     * any), {@code issued} (when any: each {@code names}, {@code serial}, {@code not_after}, {@code renew_at}) and
     * {@code updated} (times in seconds since the epoch), in that order.
     */
    public Map<String, Object> toMap() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", id);
        out.put("state", state.name());
        out.put("error", error);
        out.put("subject", subject);
        if (!sans.isEmpty()) {
            out.put("sans", sans);
        }
        if (notAfter != null) {
            out.put("not_after", notAfter.getEpochSecond());
            out.put("valid_now", validNow);
        }
        if (!references.isEmpty()) {
            out.put("references", references);
        }
        if (!issued.isEmpty()) {
            out.put("issued", issued.stream().map(IssuedName::toMap).toList());
        }
        out.put("updated", updated.getEpochSecond());
        return Collections.unmodifiableMap(out);
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
