package io.github.vaultsni.vault;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.jopenlibs.vault.VaultException;
import io.github.jopenlibs.vault.response.LogicalResponse;
import io.github.vaultsni.secret.AuthStatus;
import io.github.vaultsni.secret.SecretException;
import io.github.vaultsni.secret.SecretException.Kind;
import io.github.vaultsni.secret.SecretManager;
import io.github.vaultsni.secret.SecretResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * One Vault secret object: reads KV v1 or v2 secrets below its prefix with the driver, with a token kept
 * fresh by {@link VaultTokenSession}. Not-found (including a soft-deleted KV v2 version) is an empty answer;
 * everything else that is not the fields is a {@link SecretException} naming the Vault path and the cause.
 * A token Vault refuses is replaced, when its method can (a new login, a changed token file), and the read tried
 * once more.
 */
public final class VaultSecretManager implements SecretManager {
    private static final Logger LOG = LoggerFactory.getLogger(VaultSecretManager.class);

    private final VaultSettings settings;
    private final VaultClient client;
    private final VaultTokenSession session;
    private final Map<String, KvMount> mounts = new ConcurrentHashMap<>();
    private final Set<String> unknownMountsLogged = ConcurrentHashMap.newKeySet();

    /**
     * @param secrets resolves an {@code $env://} reference given as the token or secret_id (plain strings are
     *                returned unchanged), e.g. {@code SecretResolver::resolveValue}
     */
    public VaultSecretManager(VaultSettings settings, Clock clock, UnaryOperator<String> secrets) {
        this.settings = settings;
        this.client = new VaultClient(settings);
        this.session = new VaultTokenSession(client, clock, secrets);
    }

    /**
     * The manager of a secret object registered with {@code resolver}: its clock, and references written for a
     * credential (a secret_id, a client certificate or key) resolved through it, waiting no longer than the
     * settings' timeout, so that two secret objects whose logins refer to each other fail instead of waiting on
     * each other for ever.
     */
    public static VaultSecretManager on(SecretResolver resolver, VaultSettings settings) {
        return new VaultSecretManager(settings, resolver.clock(), value -> resolver.resolveValue(value, settings.timeout()));
    }

    public VaultSettings settings() {
        return settings;
    }

    @Override
    public Optional<Map<String, String>> read(String path) {
        VaultPath fullPath;
        try {
            fullPath = settings.fullPath(path);
        } catch (IllegalArgumentException e) {
            throw new SecretException(Kind.MALFORMED_REFERENCE, e.getMessage());
        }
        return withToken(token -> readWith(token, fullPath));
    }

    /**
     * Writes to a path of Vault's API as it stands (not below the object's prefix), e.g. {@code pki/sign/gateway},
     * and answers the reply's {@code data}.
     *
     * @throws SecretException when Vault refuses or cannot be reached, naming the path and Vault's errors
     */
    public JsonNode write(VaultPath path, Map<String, ?> body) {
        return withToken(token -> {
            VaultClient.Answer answer = client.post(path, token, body);
            if (answer.status() == 200 && answer.json() != null && answer.json().hasNonNull("data")) {
                return answer.json().get("data");
            }
            throw VaultErrors.fromStatus(answer.status(), answer.body(), "writing " + path);
        });
    }

    /**
     * Reads a path of Vault's API as it stands whose answer is JSON, e.g. {@code transit/keys/<name>}: the reply's
     * {@code data}, or empty when Vault has nothing there (404).
     *
     * @throws SecretException when Vault refuses otherwise or cannot be reached
     */
    public Optional<JsonNode> readData(VaultPath path) {
        return withToken(token -> {
            VaultClient.Answer answer = client.get(path, token);
            if (answer.status() == 200 && answer.json() != null && answer.json().hasNonNull("data")) {
                return Optional.of(answer.json().get("data"));
            }
            if (answer.status() == 404) {
                return Optional.empty();
            }
            throw VaultErrors.fromStatus(answer.status(), answer.body(), "reading " + path);
        });
    }

    /**
     * Reads a path of Vault's API as it stands whose answer is not JSON, e.g. {@code pki/crl/pem}: the bytes, or
     * empty when Vault has nothing there (404, or 204 / an empty body: a delta CRL a mount does not make).
     *
     * @throws SecretException when Vault refuses otherwise or cannot be reached
     */
    public Optional<byte[]> readBytes(VaultPath path) {
        return withToken(token -> {
            VaultClient.Answer answer = client.getBytes(path, token);
            if (answer.status() == 200 && answer.body().length > 0) {
                return Optional.of(answer.body());
            }
            if (answer.status() == 404 || answer.status() == 204 || answer.status() == 200) {
                return Optional.empty();
            }
            throw VaultErrors.fromStatus(answer.status(), answer.body(), "reading " + path);
        });
    }

    /**
     * Runs {@code call} with the session's token; when Vault refuses that token and the session can get another
     * (a new login, a changed token file), once more with it.
     */
    private <T> T withToken(Function<String, T> call) {
        String token = session.token();
        try {
            return call.apply(token);
        } catch (SecretException e) {
            if ((e.kind() == Kind.INVALID_TOKEN || e.kind() == Kind.PERMISSION_DENIED) && session.refused(token, e.kind())) {
                return call.apply(session.token());
            }
            throw e;
        }
    }

    @Override
    public void maintain() {
        session.maintain();
    }

    @Override
    public Optional<AuthStatus> authStatus() {
        return Optional.of(session.status());
    }

    private Optional<Map<String, String>> readWith(String token, VaultPath fullPath) {
        KvMount mount = mount(fullPath, token);
        String action = "reading " + fullPath;
        try {
            LogicalResponse response = client.driver(token, mount.version(), mount.depth()).logical().read(fullPath.toString());
            int status = response.getRestResponse().getStatus();
            if (status == 200) {
                return Optional.of(Map.copyOf(response.getData()));
            }
            if (status == 404) {
                return Optional.empty();
            }
            throw VaultErrors.fromStatus(status, response.getRestResponse().getBody(), action);
        } catch (VaultException e) {
            throw VaultErrors.fromException(e, action, settings.uri());
        }
    }

    /** The mount of a path: asked of Vault once per mount and remembered (KV v1 needs no mount). */
    private KvMount mount(VaultPath fullPath, String token) {
        if (settings.kvVersion() == KvVersion.V1) {
            return KvMount.firstSegment(fullPath, 1);
        }
        for (KvMount known : mounts.values()) {
            if ((fullPath + "/").startsWith(known.path())) {
                return known;
            }
        }
        int forced = settings.kvVersion() == KvVersion.V2 ? 2 : 0;
        Optional<KvMount> told = detect(fullPath, token, forced);
        if (told.isPresent()) {
            mounts.put(told.get().path(), told.get());
            return told.get();
        }
        KvMount guess = KvMount.firstSegment(fullPath, forced != 0 ? forced : 1);
        if (unknownMountsLogged.add(guess.path())) {
            LOG.info("Vault at {} did not tell the KV version of {}; using mount {} as KV v{}", settings.uri(),
                    fullPath, guess.path(), guess.version());
        }
        return guess;
    }

    /**
     * {@code GET sys/internal/ui/mounts/<path>}: the mount path and {@code options.version} (a string; absent
     * means 1). Empty when Vault will not say (403: the token's policies reach nothing in that mount); then the
     * path's first segment is taken as the mount, with the forced version or else KV v1, APISIX's only one.
     */
    private Optional<KvMount> detect(VaultPath fullPath, String token, int forcedVersion) {
        VaultClient.Answer answer = client.get(VaultPath.of("sys", "internal", "ui", "mounts").resolve(fullPath), token);
        JsonNode data = answer.json() == null ? null : answer.json().get("data");
        if (answer.status() == 200 && data != null && data.hasNonNull("path")) {
            int detected = "2".equals(data.path("options").path("version").asText()) ? 2 : 1;
            return Optional.of(new KvMount(data.get("path").asText(), forcedVersion != 0 ? forcedVersion : detected));
        }
        if (answer.status() >= 500 || answer.status() == 403) {
            SecretException error = VaultErrors.fromStatus(answer.status(), answer.body(), "reading " + fullPath);
            if (answer.status() >= 500 || error.kind() == Kind.INVALID_TOKEN) {
                throw error;
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return "VaultSecretManager{" + settings + "}";
    }
}
