package io.github.vaultsni.vaulttest;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;

import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Signs JWTs with an EC P-256 key of its own (ES256), as an identity provider or Kubernetes' service-account issuer
 * would: for the JWT and Kubernetes auth methods in tests. {@link #publicKeyPem()} is what Vault's
 * {@code jwt_validation_pubkeys} takes.
 */
public final class TestJwts {
    private final ECKey key;
    private final Clock clock;

    /** Issuing at the system clock's time. */
    public TestJwts() {
        this(Clock.systemUTC());
    }

    /** Issuing at {@code clock}'s time: the time the Vault under test checks them by. */
    public TestJwts(Clock clock) {
        this.clock = clock;
        try {
            key = new ECKeyGenerator(Curve.P_256).keyID(UUID.randomUUID().toString()).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The public key, PEM ({@code PUBLIC KEY}). */
    public String publicKeyPem() {
        try {
            PublicKey publicKey = key.toPublicKey();
            return "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes())
                    .encodeToString(publicKey.getEncoded()) + "\n-----END PUBLIC KEY-----\n";
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A JWT for {@code subject} and {@code audience}, issued now and valid for {@code lifetime}. */
    public String jwt(String subject, String audience, Duration lifetime) {
        return jwt(subject, audience, clock.instant(), lifetime, Map.of());
    }

    /** A JWT issued at {@code issuedAt}, with more claims. */
    public String jwt(String subject, String audience, Instant issuedAt, Duration lifetime, Map<String, Object> claims) {
        // "aud" as an array, as identity providers and Kubernetes write it (nimbus's claims set would write one
        // audience as a string).
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("sub", subject);
        payload.put("iss", "https://issuer.test");
        payload.put("aud", List.of(audience));
        payload.put("iat", issuedAt.getEpochSecond());
        payload.put("nbf", issuedAt.getEpochSecond());
        payload.put("exp", issuedAt.plus(lifetime).getEpochSecond());
        payload.put("jti", UUID.randomUUID().toString());
        payload.putAll(claims);
        JWSObject jwt = new JWSObject(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(key.getKeyID()).build(),
                new Payload(payload));
        try {
            jwt.sign(new ECDSASigner(key));
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
        return jwt.serialize();
    }

    /**
     * A projected service-account token, as the kubelet mounts one: {@code kubernetes.io} claims naming the
     * namespace, service account and its uid; subject {@code system:serviceaccount:<namespace>:<name>}.
     */
    public String serviceAccountToken(String namespace, String name, String uid, String audience, Duration lifetime) {
        return jwt("system:serviceaccount:" + namespace + ":" + name, audience, clock.instant(), lifetime,
                Map.of("kubernetes.io", Map.of("namespace", namespace,
                        "serviceaccount", Map.of("name", name, "uid", uid))));
    }
}
