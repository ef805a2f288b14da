package io.github.vaultsni.revocation;

import io.github.vaultsni.secret.SecretException;
import io.github.vaultsni.secret.SecretResolver;
import io.github.vaultsni.vault.VaultPath;
import io.github.vaultsni.vault.VaultSecretManager;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * The revocation lists of the SSL objects that check their client certificates against one
 * ({@link RevocationSpec}), by SSL object id: fetched in the background (a Vault PKI mount's {@code crl/pem} and
 * {@code crl/delta/pem}, or a CRL PEM resolved through the secret resolver), verified against the object's client CA,
 * and fetched again when due, each on the executor; the handshake only reads what was fetched. A Jetty
 * {@code LifeCycle}: {@link #start()} begins the due checks (every second), {@link #stop()} ends them.
 */
public final class ClientRevocations extends AbstractLifeCycle {
    private static final Logger LOG = LoggerFactory.getLogger(ClientRevocations.class);
    private static final Duration TICK = Duration.ofSeconds(1);
    private static final Duration CRL_REFERENCE_WAIT = Duration.ofSeconds(10);

    private final SecretResolver resolver;
    private final Executor executor;
    private final Scheduler scheduler;
    private final Clock clock;
    private final Map<String, ClientRevocation> byId = new ConcurrentHashMap<>();
    private final Set<ClientRevocation> fetching = ConcurrentHashMap.newKeySet();
    private volatile Scheduler.Task tick;

    public ClientRevocations(SecretResolver resolver, Executor executor, Scheduler scheduler, Clock clock) {
        this.resolver = resolver;
        this.executor = executor;
        this.scheduler = scheduler;
        this.clock = clock;
    }

    @Override
    protected void doStart() {
        tick = scheduler.schedule(this::tick, TICK.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    protected void doStop() {
        Scheduler.Task task = tick;
        if (task != null) {
            task.cancel();
        }
    }

    /**
     * The list SSL object {@code id}'s client certificates are checked against: the one kept for it when it still
     * serves {@code spec} with {@code cas}, else a new one, fetched at once.
     */
    public ClientRevocation track(String id, RevocationSpec spec, List<X509Certificate> cas) {
        ClientRevocation tracked = byId.compute(id, (key, old) -> old != null && old.serves(spec, cas) ? old
                : new ClientRevocation(id, spec, cas, clock));
        fetchIfDue(tracked);
        return tracked;
    }

    /** SSL object {@code id} checks no revocation (any more): its list is no longer fetched. */
    public void untrack(String id) {
        byId.remove(id);
    }

    /** What {@link ClientRevocation#toMap()} says of SSL object {@code id}'s list, if it has one. */
    public Optional<Map<String, Object>> status(String id) {
        return Optional.ofNullable(byId.get(id)).map(ClientRevocation::toMap);
    }

    /** How many client certificates each SSL object's list refused as revoked, by SSL object id. */
    public Map<String, Long> refusedRevoked() {
        Map<String, Long> out = new java.util.TreeMap<>();
        byId.forEach((id, revocation) -> out.put(id, revocation.refusedRevoked()));
        return out;
    }

    /** Fetches every list that is due now, as the background check does each second; completes when they have. */
    public void fetchDue() {
        byId.values().forEach(this::fetchIfDue);
    }

    private void tick() {
        if (!isRunning()) {
            return;
        }
        try {
            fetchDue();
        } finally {
            tick = scheduler.schedule(this::tick, TICK.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void fetchIfDue(ClientRevocation revocation) {
        if (revocation.due(clock.instant()) && fetching.add(revocation)) {
            executor.execute(() -> {
                try {
                    fetch(revocation);
                } finally {
                    fetching.remove(revocation);
                }
            });
        }
    }

    private void fetch(ClientRevocation revocation) {
        try {
            RevocationSpec.Source source = revocation.spec().source();
            X509CRL complete;
            X509CRL delta = null;
            if (source instanceof RevocationSpec.Source.VaultPki vault) {
                VaultSecretManager manager = resolver.manager("vault", vault.secretId(), VaultSecretManager.class)
                        .orElseThrow(() -> new SecretException(SecretException.Kind.NO_SUCH_SECRET_OBJECT,
                                "no secret object vault/" + vault.secretId()));
                VaultPath mount = VaultPath.parseMount(vault.mount(), "revocation.vault_pki.mount");
                // PEM: the driver's HTTP layer reads answers as text, which a DER CRL would not survive.
                complete = crl(manager.readBytes(mount.resolve("crl", "pem")).orElseThrow(() -> new SecretException(
                        SecretException.Kind.NOT_FOUND, "Vault has no CRL at " + mount + "/crl/pem")));
                Optional<byte[]> deltaBytes = manager.readBytes(mount.resolve("crl", "delta", "pem"));
                if (deltaBytes.isPresent() && deltaBytes.get().length > 0) {
                    delta = crl(deltaBytes.get());
                }
            } else {
                String pem = resolver.resolveValue(((RevocationSpec.Source.Crl) source).pem(), CRL_REFERENCE_WAIT);
                complete = crl(pem.getBytes(StandardCharsets.US_ASCII));
            }
            revocation.fetched(RevocationList.verified(complete, delta, revocation.cas()));
        } catch (SecretException | GeneralSecurityException | IllegalArgumentException e) {
            String why = e.getMessage();
            LOG.warn("revocation list for {} not updated: {}", revocation, why);
            revocation.failed(why);
        }
    }

    private static X509CRL crl(byte[] encoded) throws GeneralSecurityException {
        return (X509CRL) CertificateFactory.getInstance("X.509").generateCRL(new ByteArrayInputStream(encoded));
    }
}
