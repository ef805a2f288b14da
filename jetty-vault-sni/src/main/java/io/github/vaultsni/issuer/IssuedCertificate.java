package io.github.vaultsni.issuer;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A certificate obtained from an issuer, as kept between restarts and shared by a cluster's nodes: the chain
 * served (Vault's {@code certificate} then its {@code ca_chain}), the private key, and when it was obtained.
 * {@code toString()} never shows the key.
 *
 * @param names        the DNS names it was issued for, the first as its common name
 * @param chainPem     the leaf first, then the CA chain
 * @param keyPem       its private key, PKCS#8 PEM
 * @param serial       Vault's {@code serial_number} ({@code 39:dd:...})
 * @param notAfter     when it expires
 * @param obtained     when it was obtained, which renewal counts from (Vault backdates {@code notBefore})
 * @param fingerprint  the issuer settings it was issued under ({@link IssuerSpec#fingerprint()})
 */
public record IssuedCertificate(List<String> names, String chainPem, String keyPem, String serial, Instant notAfter,
                                Instant obtained, String fingerprint) {

    public IssuedCertificate {
        names = List.copyOf(names);
        Objects.requireNonNull(chainPem, "chainPem");
        Objects.requireNonNull(keyPem, "keyPem");
        Objects.requireNonNull(serial, "serial");
        Objects.requireNonNull(notAfter, "notAfter");
        Objects.requireNonNull(obtained, "obtained");
        Objects.requireNonNull(fingerprint, "fingerprint");
    }

    /** Its lifetime as counted here: from when it was obtained to when it expires. */
    public Duration lifetime() {
        return Duration.between(obtained, notAfter);
    }

    /** Two thirds into its lifetime, less {@code jitter}: when it is renewed. */
    public Instant renewAt(Duration jitter) {
        return obtained.plus(lifetime().multipliedBy(2).dividedBy(3)).minus(jitter);
    }

    public boolean expiredAt(Instant now) {
        return !now.isBefore(notAfter);
    }

    @Override
    public String toString() {
        return "IssuedCertificate{" + names + ", serial " + serial + ", not after " + notAfter + "}";
    }
}
