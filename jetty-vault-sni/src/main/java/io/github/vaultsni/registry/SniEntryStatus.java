package io.github.vaultsni.registry;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Why an SSL object is or is not served, for operators (the gateway's {@code /ssls/{id}/status}, the certificates
 * page, Boot's actuator, the meters). It says no more than clients see: it is taken when the snapshot holding
 * the object's state is published. Holds no secret: the error names references and causes only, never values.
 * Made with {@link #builder}.
 *
 * @param id         the object id
 * @param state      where the object stands
 * @param error      why it is not served (FAILED); while it is served, why its last refresh or issuance failed;
 *                   else null
 * @param subject    the main certificate's subject, once built
 * @param sans       its DNS names
 * @param notAfter   the earliest expiry among its certificates
 * @param validNow   whether every certificate is within its validity period now
 * @param references the secret references the object reads
 * @param updated    when this status was taken
 * @param issued     for an object with an issuer: each certificate issued for it; else empty
 */
public record SniEntryStatus(String id, State state, String error, String subject, List<String> sans,
                             Instant notAfter, boolean validNow, List<String> references, Instant updated,
                             List<IssuedName> issued) {

    public SniEntryStatus {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(state, "state");
        sans = List.copyOf(sans);
        references = List.copyOf(references);
        issued = List.copyOf(issued);
    }

    /** A status of {@code id} in {@code state} taken at {@code updated}: no error, no certificate, unless told. */
    public static Builder builder(String id, State state, Instant updated) {
        return new Builder(id, state, updated);
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

    /** Where an object stands: the states of its state machine ({@link SslObjectRegistry}) that clients can tell apart. */
    public enum State {
        /** Being built (its references resolved, its certificate issued) for the first time, or after a change: not served yet. */
        RESOLVING,
        /** Built and served. */
        ACTIVE,
        /** Served, while its certificate is being rebuilt (a referenced value changed) or renewed. */
        RENEWING,
        /** Its references, PEM or issuance failed: not served; {@code error} says why. */
        FAILED,
        /** Configured with {@code status: 0}: not served. */
        DISABLED
    }

    /** Builds a {@link SniEntryStatus}. */
    public static final class Builder {
        private final String id;
        private final State state;
        private final Instant updated;
        private String error;
        private String subject;
        private List<String> sans = List.of();
        private Instant notAfter;
        private boolean validNow;
        private List<String> references = List.of();
        private List<IssuedName> issued = List.of();

        private Builder(String id, State state, Instant updated) {
            this.id = id;
            this.state = state;
            this.updated = updated;
        }

        public Builder error(String error) {
            this.error = error;
            return this;
        }

        /** The served certificate: its subject, DNS names, earliest expiry and whether all are valid now. */
        public Builder certificate(String subject, List<String> sans, Instant notAfter, boolean validNow) {
            this.subject = subject;
            this.sans = sans;
            this.notAfter = notAfter;
            this.validNow = validNow;
            return this;
        }

        public Builder references(List<String> references) {
            this.references = references;
            return this;
        }

        public Builder issued(List<IssuedName> issued) {
            this.issued = issued;
            return this;
        }

        public SniEntryStatus build() {
            return new SniEntryStatus(id, state, error, subject, sans, notAfter, validNow, references, updated, issued);
        }
    }
}
