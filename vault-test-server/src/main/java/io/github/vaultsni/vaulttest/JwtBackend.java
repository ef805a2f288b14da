package io.github.vaultsni.vaulttest;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.crypto.factories.DefaultJWSVerifierFactory;
import com.nimbusds.jose.jwk.AsymmetricJWK;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

import java.security.PublicKey;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The JWT auth method (vault-plugin-auth-jwt v0.15, Vault 1.13) with static keys: {@code config} with
 * {@code jwt_validation_pubkeys}, roles of {@code role_type} {@code jwt}, and login with a JWT, checked in the
 * plugin's order (signature, algorithm, issuer, subject, audience, times, then the role's claims) with its messages.
 * OIDC and JWKS are not served: a config naming them is refused.
 */
final class JwtBackend implements AuthBackend {
    private static final List<String> DEFAULT_ALGORITHMS = List.of("RS256", "RS384", "RS512", "ES256", "ES384",
            "ES512", "PS256", "PS384", "PS512", "EdDSA");
    private static final long DEFAULT_EXP_LEEWAY = 150;
    private static final long DEFAULT_NBF_LEEWAY = 150;
    private static final long DEFAULT_CLOCK_SKEW = 60;

    private record Config(List<PublicKey> keys, List<String> pemKeys, String boundIssuer, List<String> algorithms) {
    }

    private record Role(String type, String userClaim, List<String> boundAudiences, String boundSubject,
                        Map<String, Object> boundClaims, Map<String, Long> leeways, RoleTokenFields tokens) {
        long leeway(String name, long defaultSeconds) {
            long value = leeways.getOrDefault(name, 0L);
            return value == 0 ? defaultSeconds : Math.max(0, value);
        }
    }

    private final String mount;
    private final TokenStore tokens;
    private final Clock clock;
    private final AuthRoles<Role> roles = new AuthRoles<>((name, request) -> role(request),
            JwtBackend::read);
    private volatile Config config;

    JwtBackend(String mount, TokenStore tokens, Clock clock) {
        this.mount = mount;
        this.tokens = tokens;
        this.clock = clock;
    }

    @Override
    public Reply handle(VaultRequest request, String path) {
        boolean write = request.operation() == Operation.CREATE || request.operation() == Operation.UPDATE;
        if (path.equals("config")) {
            if (write) {
                config = config(request);
                return Reply.noContent();
            }
            Config c = config;
            return c == null ? Reply.error(VaultError.notFound()) : Reply.data(Json.fields("jwt_validation_pubkeys",
                    c.pemKeys(), "bound_issuer", c.boundIssuer() == null ? "" : c.boundIssuer(), "jwt_supported_algs",
                    c.algorithms(), "jwks_url", "", "oidc_discovery_url", ""));
        }
        if (path.startsWith("role/") && path.length() > 5) {
            return roles.handle(request, path.substring(5));
        }
        throw VaultError.noHandler("auth/" + mount + path);
    }

    private static Config config(VaultRequest request) {
        List<String> pems = Json.stringList(request.body().get("jwt_validation_pubkeys"));
        boolean jwks = request.param("jwks_url") != null && !request.param("jwks_url").isEmpty();
        boolean oidc = request.param("oidc_discovery_url") != null && !request.param("oidc_discovery_url").isEmpty();
        if ((pems.isEmpty() ? 0 : 1) + (jwks ? 1 : 0) + (oidc ? 1 : 0) != 1) {
            throw VaultError.badRequest("exactly one of 'jwt_validation_pubkeys', 'jwks_url' or 'oidc_discovery_url' must be set");
        }
        if (!pems.isEmpty()) {
            List<PublicKey> keys = new ArrayList<>();
            for (String pem : pems) {
                keys.add(publicKey(pem));
            }
            List<String> algorithms = Json.stringList(request.body().get("jwt_supported_algs"));
            for (String alg : algorithms) {
                if (!DEFAULT_ALGORITHMS.contains(alg)) {
                    throw VaultError.badRequest("invalid jwt_supported_algs: unsupported signing algorithm \"" + alg + "\"");
                }
            }
            String issuer = request.param("bound_issuer");
            return new Config(List.copyOf(keys), pems, issuer == null || issuer.isEmpty() ? null : issuer,
                    algorithms.isEmpty() ? DEFAULT_ALGORITHMS : algorithms);
        }
        throw VaultError.badRequest("the test server validates with jwt_validation_pubkeys only, not jwks_url or "
                + "oidc_discovery_url");
    }

    private static PublicKey publicKey(String pem) {
        try {
            JWK jwk = JWK.parseFromPEMEncodedObjects(pem);
            return ((AsymmetricJWK) jwk).toPublicKey();
        } catch (JOSEException | RuntimeException e) {
            throw VaultError.badRequest("error parsing public key: " + e.getMessage());
        }
    }

    private static Map<String, Object> read(Role role) {
        Map<String, Object> data = new LinkedHashMap<>(role.tokens().read());
        data.put("role_type", role.type());
        data.put("user_claim", role.userClaim());
        data.put("bound_audiences", role.boundAudiences());
        data.put("bound_subject", role.boundSubject() == null ? "" : role.boundSubject());
        data.put("bound_claims", role.boundClaims());
        return data;
    }

    private static Role role(VaultRequest request) {
        String type = request.param("role_type");
        type = type == null || type.isEmpty() ? "oidc" : type;
        if (!type.equals("jwt") && !type.equals("oidc")) {
            throw VaultError.badRequest("invalid 'role_type': " + type);
        }
        if (type.equals("oidc") && Json.stringList(request.body().get("allowed_redirect_uris")).isEmpty()) {
            throw VaultError.badRequest("'allowed_redirect_uris' must be set if 'role_type' is 'oidc' or unspecified.");
        }
        String userClaim = request.param("user_claim");
        if (userClaim == null || userClaim.isEmpty()) {
            throw VaultError.badRequest("a user claim must be defined on the role");
        }
        List<String> audiences = Json.stringList(request.body().get("bound_audiences"));
        String subject = request.param("bound_subject");
        @SuppressWarnings("unchecked")
        Map<String, Object> claims = request.body().get("bound_claims") instanceof Map<?, ?> m
                ? Map.copyOf((Map<String, Object>) m) : Map.of();
        if (type.equals("jwt") && audiences.isEmpty() && (subject == null || subject.isEmpty()) && claims.isEmpty()) {
            throw VaultError.badRequest("must have at least one bound constraint when creating/updating a role");
        }
        Map<String, Long> leeways = new LinkedHashMap<>();
        for (String name : List.of("expiration_leeway", "not_before_leeway", "clock_skew_leeway")) {
            if (request.body().get(name) != null) {
                leeways.put(name, Durations.seconds(request.body().get(name), 0));
            }
        }
        return new Role(type, userClaim, audiences, subject == null || subject.isEmpty() ? null : subject, claims,
                leeways, RoleTokenFields.from(request, "ttl should not be greater than max ttl"));
    }

    @Override
    public Reply login(VaultRequest request) {
        Config c = config;
        if (c == null) {
            throw VaultError.badRequest("could not load configuration");
        }
        String roleName = request.param("role");
        if (roleName == null || roleName.isEmpty()) {
            throw VaultError.badRequest("missing role");
        }
        String name = roleName.toLowerCase(Locale.ROOT);
        Role role = roles.get(name);
        if (role == null) {
            throw VaultError.badRequest("role \"" + roleName + "\" could not be found");
        }
        if (role.type().equals("oidc")) {
            throw VaultError.badRequest("role with oidc role_type is not allowed");
        }
        String jwt = request.param("jwt");
        if (jwt == null || jwt.isEmpty()) {
            throw VaultError.badRequest("missing token");
        }
        JWTClaimsSet claims = validate(c, role, jwt);
        String user = userClaim(claims, role);
        checkBoundClaims(claims, role);
        Token token = role.tokens().issue(tokens, mount, user, Map.of("role", name));
        return Reply.auth(tokens.authBlock(token));
    }

    @Override
    public void checkRenewal(Token token, VaultRequest request) {
        String role = token.meta().get("role");
        if (roles.get(role) == null) {
            throw AuthBackend.renewalFailed("role " + role + " does not exist during renewal");
        }
    }

    /** The plugin's validation, in its order and with its words. */
    private JWTClaimsSet validate(Config c, Role role, String jwt) {
        SignedJWT parsed;
        JWTClaimsSet claims;
        try {
            parsed = SignedJWT.parse(jwt);
            claims = parsed.getJWTClaimsSet();
        } catch (ParseException e) {
            throw invalid("error verifying token signature: go-jose/go-jose: compact JWS format must have three parts");
        }
        if (!verified(c, parsed)) {
            throw invalid("error verifying token signature: no known key successfully validated the token signature");
        }
        if (!c.algorithms().contains(parsed.getHeader().getAlgorithm().getName())) {
            throw invalid("invalid algorithm (alg) header parameter: token signed with unexpected algorithm");
        }
        if (c.boundIssuer() != null && !c.boundIssuer().equals(claims.getIssuer())) {
            throw invalid("invalid issuer (iss) claim");
        }
        if (role.boundSubject() != null && !role.boundSubject().equals(claims.getSubject())) {
            throw invalid("invalid subject (sub) claim");
        }
        if (!role.boundAudiences().isEmpty() && (claims.getAudience() == null
                || claims.getAudience().stream().noneMatch(role.boundAudiences()::contains))) {
            throw invalid("invalid audience (aud) claim: audience claim does not match any expected audience");
        }
        checkTimes(claims, role);
        // Only an "aud" written as an array counts here, as the plugin reads it; the parser makes a list of a string.
        if (role.boundAudiences().isEmpty() && parsed.getPayload().toJSONObject().get("aud") instanceof List<?> aud
                && !aud.isEmpty()) {
            throw VaultError.badRequest("audience claim found in JWT but no audiences bound to the role");
        }
        return claims;
    }

    private static void checkBoundClaims(JWTClaimsSet claims, Role role) {
        role.boundClaims().forEach((claim, wanted) -> {
            Object value = claims.getClaim(claim);
            if (value == null) {
                throw VaultError.badRequest("error validating claims: claim \"" + claim + "\" is missing");
            }
            if (!Json.stringList(wanted).contains(value.toString())) {
                throw VaultError.badRequest("error validating claims: claim \"" + claim
                        + "\" does not match any associated bound claim values");
            }
        });
    }

    private void checkTimes(JWTClaimsSet claims, Role role) {
        Date exp = claims.getExpirationTime();
        Date nbf = claims.getNotBeforeTime();
        Date iat = claims.getIssueTime();
        if (exp == null && nbf == null && iat == null) {
            throw invalid("no issued at (iat), not before (nbf), or expiration time (exp) claims in token");
        }
        Instant now = clock.instant();
        Duration skew = Duration.ofSeconds(role.leeway("clock_skew_leeway", DEFAULT_CLOCK_SKEW));
        if (nbf != null && now.plus(skew).plusSeconds(role.leeway("not_before_leeway", DEFAULT_NBF_LEEWAY))
                .isBefore(nbf.toInstant())) {
            throw invalid("invalid not before (nbf) claim: token not yet valid");
        }
        if (exp != null && now.minus(skew).minusSeconds(role.leeway("expiration_leeway", DEFAULT_EXP_LEEWAY))
                .isAfter(exp.toInstant())) {
            throw invalid("invalid expiration time (exp) claim: token is expired");
        }
        if (iat != null && now.plus(skew).isBefore(iat.toInstant())) {
            throw invalid("invalid issued at (iat) claim: token issued in the future");
        }
    }

    private static boolean verified(Config c, SignedJWT jwt) {
        for (PublicKey key : c.keys()) {
            try {
                if (jwt.verify(new DefaultJWSVerifierFactory().createJWSVerifier(jwt.getHeader(), key))) {
                    return true;
                }
            } catch (JOSEException | RuntimeException wrongKeyType) {
                // the next key may fit
            }
        }
        return false;
    }

    private static String userClaim(JWTClaimsSet claims, Role role) {
        Object value = claims.getClaim(role.userClaim());
        if (value == null) {
            throw VaultError.badRequest("claim \"" + role.userClaim() + "\" not found in token");
        }
        if (!(value instanceof String text)) {
            throw VaultError.badRequest("claim \"" + role.userClaim() + "\" could not be converted to string");
        }
        return text;
    }

    private static VaultError invalid(String what) {
        return VaultError.badRequest("error validating token: " + what);
    }
}
