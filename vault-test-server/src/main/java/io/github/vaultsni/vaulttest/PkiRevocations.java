package io.github.vaultsni.vaulttest;

import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.util.io.pem.PemObject;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Instant;
import java.util.Date;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The PKI engine's revocations, as Vault 1.13 keeps them: {@code revoke} (by serial, of a certificate the mount
 * issued), the complete CRL ({@code crl} as DER, {@code crl/pem}) rebuilt at each revocation unless
 * {@code config/crl} sets {@code auto_rebuild}, then only by {@code crl/rotate}, and, with {@code enable_delta},
 * a delta CRL ({@code crl/delta}, {@code crl/delta/pem}) of what was revoked since the complete one, naming its base
 * CRL number, rebuilt at most every {@code delta_rebuild_interval}; without it those paths answer 204. CRLs are
 * signed by the mount's CA and valid for {@code expiry} (72h).
 */
final class PkiRevocations {
    /** Vault's default CRL lifetime. */
    static final long DEFAULT_EXPIRY = 72 * 3600;

    private record Crl(X509CRLHolder holder, BigInteger number) {
    }

    private final Clock clock;
    private final Map<BigInteger, Instant> issued = new ConcurrentHashMap<>();
    private final Map<BigInteger, Instant> revoked = new ConcurrentHashMap<>();
    private volatile Map<BigInteger, Instant> inComplete = Map.of();
    /** Vault's default delta CRL rebuild interval, seconds. */
    static final long DEFAULT_DELTA_REBUILD_INTERVAL = 15 * 60;

    private volatile String expiry = "72h";
    private volatile long expirySeconds = DEFAULT_EXPIRY;
    private volatile String deltaRebuildInterval = "15m";
    private volatile long deltaRebuildSeconds = DEFAULT_DELTA_REBUILD_INTERVAL;
    private X509CRLHolder delta;
    private Instant deltaBuiltAt = Instant.EPOCH;
    private boolean deltaStale;
    private volatile boolean autoRebuild;
    private volatile boolean enableDelta;
    private volatile Crl complete;
    private BigInteger nextNumber = BigInteger.ONE;

    PkiRevocations(Clock clock) {
        this.clock = clock;
    }

    /** A certificate the mount issued, revocable from now on. */
    void issued(BigInteger serial, Instant notAfter) {
        issued.put(serial, notAfter);
    }

    /** {@code revoke}: the revocation time, as Vault answers it. */
    synchronized Map<String, Object> revoke(String serialText, CaKeys ca) {
        if (serialText == null || serialText.isEmpty()) {
            throw VaultError.badRequest("The serial number must be provided");
        }
        BigInteger serial = parseSerial(serialText);
        if (!issued.containsKey(serial)) {
            throw VaultError.badRequest("certificate with serial " + serialText + " not found.");
        }
        Instant at = revoked.computeIfAbsent(serial, s -> clock.instant());
        if (!autoRebuild) {
            rebuild(ca);
        }
        deltaStale = true;
        return Json.fields("revocation_time", at.getEpochSecond(), "revocation_time_rfc3339", at.toString(),
                "state", "revoked");
    }

    /** {@code crl/rotate}: a complete CRL now. */
    synchronized void rotate(CaKeys ca) {
        rebuild(ca);
    }

    /**
     * {@code config/crl}: {@code expiry}, {@code auto_rebuild}, {@code enable_delta}, {@code delta_rebuild_interval},
     * checked before anything is kept; the CRL is rebuilt when {@code auto_rebuild} or {@code enable_delta} changes.
     */
    synchronized Map<String, Object> configure(VaultRequest request, CaKeys ca) {
        String newExpiry = request.param("expiry") != null ? request.param("expiry") : expiry;
        long newExpirySeconds = Durations.seconds(newExpiry, DEFAULT_EXPIRY);
        boolean newAutoRebuild = request.param("auto_rebuild") != null ? Boolean.parseBoolean(request.param("auto_rebuild"))
                : autoRebuild;
        boolean newEnableDelta = request.param("enable_delta") != null ? Boolean.parseBoolean(request.param("enable_delta"))
                : enableDelta;
        String newInterval = request.param("delta_rebuild_interval") != null ? request.param("delta_rebuild_interval")
                : deltaRebuildInterval;
        long intervalSeconds = Durations.seconds(newInterval, DEFAULT_DELTA_REBUILD_INTERVAL);
        if (newEnableDelta && !newAutoRebuild) {
            throw VaultError.badRequest("Delta CRLs cannot be enabled when auto rebuilding is disabled as the complete "
                    + "CRL is always regenerated!");
        }
        if (intervalSeconds <= 0) {
            throw VaultError.badRequest("delta_rebuild_interval must be at least one second");
        }
        boolean rebuild = newAutoRebuild != autoRebuild || newEnableDelta != enableDelta;
        expiry = newExpiry;
        expirySeconds = newExpirySeconds;
        autoRebuild = newAutoRebuild;
        enableDelta = newEnableDelta;
        deltaRebuildInterval = newInterval;
        deltaRebuildSeconds = intervalSeconds;
        if (rebuild && ca != null) {
            rebuild(ca);
        }
        return configuration();
    }

    Map<String, Object> configuration() {
        return Json.fields("expiry", expiry, "disable", false, "ocsp_disable", false, "ocsp_expiry", "12h",
                "auto_rebuild", autoRebuild, "auto_rebuild_grace_period", "12h", "enable_delta", enableDelta,
                "delta_rebuild_interval", deltaRebuildInterval);
    }

    /** The complete CRL, built on first request when none is yet. */
    synchronized X509CRLHolder complete(CaKeys ca) {
        if (complete == null) {
            rebuild(ca);
        }
        return complete.holder();
    }

    /**
     * The delta CRL (revocations since the complete CRL, naming it as base) as last built, or null when the mount
     * makes none (Vault answers that with 204). As Vault's periodic rebuild, a revocation shows in it once
     * {@code delta_rebuild_interval} (15m) has passed since the last delta was built.
     */
    synchronized X509CRLHolder delta(CaKeys ca) {
        if (!enableDelta) {
            return null;
        }
        complete(ca);
        Instant now = clock.instant();
        if (delta == null || deltaStale && !now.isBefore(deltaBuiltAt.plusSeconds(deltaRebuildSeconds))) {
            Map<BigInteger, Instant> since = new LinkedHashMap<>(revoked);
            since.keySet().removeAll(inComplete.keySet());
            delta = build(ca, since, complete.number());
            deltaBuiltAt = now;
            deltaStale = false;
        }
        return delta;
    }

    private void rebuild(CaKeys ca) {
        Map<BigInteger, Instant> all = Map.copyOf(revoked);
        BigInteger number = nextNumber;
        complete = new Crl(build(ca, all, null), number);
        inComplete = all;
        delta = null; // a new base: the next delta is built on it
    }

    /** A CRL of {@code entries}; {@code deltaBase} non-null makes it a delta CRL on that base. */
    private X509CRLHolder build(CaKeys ca, Map<BigInteger, Instant> entries, BigInteger deltaBase) {
        Instant now = clock.instant();
        X509v2CRLBuilder builder = new X509v2CRLBuilder(ca.certificate().getSubject(), Date.from(now));
        builder.setNextUpdate(Date.from(now.plusSeconds(expirySeconds)));
        entries.forEach((serial, at) -> builder.addCRLEntry(serial, Date.from(at), 0)); // no reason code, as Vault
        try {
            BigInteger number = nextNumber;
            nextNumber = nextNumber.add(BigInteger.ONE);
            builder.addExtension(Extension.cRLNumber, false, new CRLNumber(number));
            builder.addExtension(Extension.authorityKeyIdentifier, false,
                    new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(ca.certificate().getSubjectPublicKeyInfo()));
            if (deltaBase != null) {
                builder.addExtension(Extension.deltaCRLIndicator, true, new CRLNumber(deltaBase));
            }
            return builder.build(PkiEngine.signer(ca.keys()));
        } catch (IOException | GeneralSecurityException | org.bouncycastle.operator.OperatorCreationException e) {
            throw new VaultError(500, "failed to build CRL: " + e.getMessage());
        }
    }

    /** The CA that signs: its certificate and keys. */
    record CaKeys(X509CertificateHolder certificate, java.security.KeyPair keys) {
    }

    /** {@code 1a:2b:...} (Vault's form) or {@code 1a-2b-...}. */
    static BigInteger parseSerial(String text) {
        try {
            return new BigInteger(1, HexFormat.of().parseHex(text.replace(":", "").replace("-", "")));
        } catch (IllegalArgumentException e) {
            throw VaultError.badRequest("unable to parse serial number: " + text);
        }
    }

    static byte[] der(X509CRLHolder crl) {
        try {
            return crl.getEncoded();
        } catch (IOException e) {
            throw new VaultError(500, "failed to encode CRL");
        }
    }

    static byte[] pem(X509CRLHolder crl) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(new PemObject("X509 CRL", crl.getEncoded()));
        } catch (IOException e) {
            throw new VaultError(500, "failed to encode CRL");
        }
        return out.toString().getBytes(StandardCharsets.US_ASCII);
    }
}
