package io.github.vaultsni.issuer;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * Where issued certificates are kept, so a restart serves them at once and a cluster's nodes share one
 * certificate per name. The gateway keeps them in its configuration store (the key encrypted); the default
 * keeps them in memory. A certificate is named by its SSL object's id and a unit: the object's exact names
 * together ({@link #EXACT_NAMES}), or one name under a wildcard.
 */
public interface IssuedCertificateStore {
    /** The unit of an object's exact names, issued together in one certificate. */
    String EXACT_NAMES = "@exact";

    Optional<IssuedCertificate> load(String objectId, String unit);

    /**
     * Stores {@code candidate} unless the store holds a certificate that {@code keepCurrent} accepts (another node
     * issued first, or renewed already); either way, answers the certificate the store holds afterwards, which
     * every node then serves. Atomic against other nodes' offers.
     */
    IssuedCertificate offer(String objectId, String unit, IssuedCertificate candidate,
                            Predicate<IssuedCertificate> keepCurrent);

    /** Forgets one certificate (expired, or no longer wanted). */
    void remove(String objectId, String unit);

    /** Forgets an object's certificates (the object was removed). */
    void removeAll(String objectId);

    /** A store in this process's memory: nothing survives a restart. */
    static IssuedCertificateStore inMemory() {
        return new IssuedCertificateStore() {
            private final Map<String, IssuedCertificate> held = new ConcurrentHashMap<>();

            @Override
            public Optional<IssuedCertificate> load(String objectId, String unit) {
                return Optional.ofNullable(held.get(objectId + "/" + unit));
            }

            @Override
            public IssuedCertificate offer(String objectId, String unit, IssuedCertificate candidate,
                                           Predicate<IssuedCertificate> keepCurrent) {
                return held.compute(objectId + "/" + unit,
                        (key, current) -> current != null && keepCurrent.test(current) ? current : candidate);
            }

            @Override
            public void remove(String objectId, String unit) {
                held.remove(objectId + "/" + unit);
            }

            @Override
            public void removeAll(String objectId) {
                held.keySet().removeIf(key -> key.startsWith(objectId + "/"));
            }
        };
    }
}
