package io.github.vaultsni.registry;

import io.github.vaultsni.runtime.VaultSniRuntime;
import io.github.vaultsni.secret.SecretResolver;

/**
 * What the bindings tests apply lists to: a real registry in a started runtime (without background refresh), and
 * its {@link SniBindings}; stopped together.
 */
final class BoundRegistry implements AutoCloseable {
    private final Runtimes runtimes = new Runtimes();
    final VaultSniRuntime runtime;
    final SecretResolver resolver;
    final SslObjectRegistry registry;
    final SniBindings bindings;

    BoundRegistry() {
        try {
            runtime = runtimes.start(settings -> { });
        } catch (Exception e) {
            throw new IllegalStateException("cannot start a runtime", e);
        }
        resolver = runtime.resolver();
        registry = runtime.registry();
        bindings = new SniBindings(registry);
    }

    @Override
    public void close() throws Exception {
        runtimes.close();
    }
}
