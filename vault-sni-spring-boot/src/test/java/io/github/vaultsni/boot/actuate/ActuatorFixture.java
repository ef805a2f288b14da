package io.github.vaultsni.boot.actuate;

import io.github.vaultsni.registry.SniBindings;
import io.github.vaultsni.registry.SniEntrySpec;
import io.github.vaultsni.registry.SslObjectRegistry;
import io.github.vaultsni.runtime.VaultSniRuntime;
import io.github.vaultsni.secret.SecretResolver;
import io.github.vaultsni.testsupport.TestPki;
import org.eclipse.jetty.util.component.LifeCycle;
import io.github.vaultsni.testsupport.TestPki.Issued;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real registry with entries bound as the starter binds them: {@code good} (inline PEM, served) and, when
 * asked, {@code broken} (a reference to a secret object that does not exist: failed).
 */
final class ActuatorFixture implements AutoCloseable {
    static final Issued ROOT = TestPki.rootCa("ROOTCA", "EC");
    final Issued leaf = ROOT.leaf("EC", "test.com");
    final VaultSniRuntime runtime = VaultSniRuntime.builder().secrets(secrets -> secrets.backgroundRefresh(false)).build();
    final SecretResolver resolver = runtime.resolver();
    final SslObjectRegistry registry = runtime.registry();
    final SniBindings bindings = new SniBindings(registry);

    ActuatorFixture() {
        LifeCycle.start(runtime);
    }

    SniEntrySpec good() {
        return SniEntrySpec.of("good", List.of("test.com"), leaf.certificatePem(), leaf.privateKeyPem());
    }

    static SniEntrySpec broken() {
        return SniEntrySpec.of("broken", List.of("broken.test"), "$secret://vault/nowhere/ssl/broken.crt",
                "$secret://vault/nowhere/ssl/broken.key");
    }

    void bind(SniEntrySpec... specs) throws Exception {
        bindings.apply("properties", List.of(specs)).get(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        runtime.close();
    }
}
