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
import java.util.TreeMap;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
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
    private final Set<ClientRevocation> tracked = ConcurrentHashMap.newKeySet();
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
     * A list for SSL object {@code id}'s client certificates, kept fetched from now on (the first fetch starts at
     * once) until {@link #untrack}ed. Its owner (the object's state machine) keeps it while {@code spec} and
     * {@code cas} stay the same.
     */
    public ClientRevocation track(String id, RevocationSpec spec, List<X509Certificate> cas) {
        ClientRevocation revocation = new ClientRevocation(id, spec, cas, clock);
        tracked.add(revocation);
        fetchIfDue(revocation);
        return revocation;
    }

    /** No longer fetched: its object was removed, or checks another list. */
    public void untrack(ClientRevocation revocation) {
        tracked.remove(revocation);
    }

    /** How many client certificates each SSL object's lists refused as revoked, by SSL object id. */
    public Map<String, Long> refusedRevoked() {
        Map<String, Long> out = new TreeMap<>();
        tracked.forEach(revocation -> out.merge(revocation.sslId(), revocation.refusedRevoked(), Long::sum));
        return out;
    }

    /** Starts fetching every list that is due now, as the background check does each second. */
    public void fetchDue() {
        tracked.forEach(this::fetchIfDue);
    }

    private void tick() {
        if (!isRunning()) {
            return;
        }
        try {
            fetchDue();
        } catch (RuntimeException e) {
            LOG.warn("revocation list check failed: {}", e.toString());
        }
        if (isRunning()) {
            tick = scheduler.schedule(this::tick, TICK.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void fetchIfDue(ClientRevocation revocation) {
        if (revocation.due(clock.instant()) && fetching.add(revocation)) {
            try {
                executor.execute(() -> {
                    try {
                        fetch(revocation);
                    } finally {
                        fetching.remove(revocation);
                    }
                });
            } catch (RejectedExecutionException e) {
                fetching.remove(revocation);
                revocation.failed("no thread to fetch it (" + e.getClass().getSimpleName() + ")");
            }
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
        } catch (GeneralSecurityException | RuntimeException e) {
            String why = e instanceof SecretException || e instanceof GeneralSecurityException ? e.getMessage()
                    : e.getClass().getSimpleName() + ": " + e.getMessage();
            LOG.warn("revocation list for {} not updated: {}", revocation, why);
            revocation.failed(why);
        }
    }

    private static X509CRL crl(byte[] encoded) throws GeneralSecurityException {
        return (X509CRL) CertificateFactory.getInstance("X.509").generateCRL(new ByteArrayInputStream(encoded));
    }
}
