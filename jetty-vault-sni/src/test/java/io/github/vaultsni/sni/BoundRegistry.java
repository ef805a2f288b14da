package io.github.vaultsni.sni;

import io.github.vaultsni.secret.SecretResolver;

import java.time.Clock;

/**
 * What the bindings tests apply lists to: a real registry, on a resolver without background refresh, and its
 * {@link SniBindings}; closed together.
 */
final class BoundRegistry implements AutoCloseable {
    final SecretResolver resolver = SecretResolver.builder().backgroundRefresh(false).build();
    final SniCertificateRegistry registry = new SniCertificateRegistry(resolver, new SniCertificates(),
            Clock.systemUTC(), SniEntryPreference.newestValid());
    final SniBindings bindings = new SniBindings(registry);

    @Override
    public void close() {
        registry.close();
        resolver.close();
    }
}
