package io.github.vaultsni.boot.actuate;

import io.github.vaultsni.secret.SecretResolver;
import io.github.vaultsni.sni.SniBindings;
import io.github.vaultsni.sni.SniCertificateRegistry;
import io.github.vaultsni.sni.SniCertificates;
import io.github.vaultsni.sni.SniEntryPreference;
import io.github.vaultsni.sni.SniEntrySpec;
import io.github.vaultsni.testsupport.TestPki;
import io.github.vaultsni.testsupport.TestPki.Issued;

import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real registry with entries bound as the starter binds them: {@code good} (inline PEM, served) and, when
 * asked, {@code broken} (a reference to a secret object that does not exist: failed).
 */
final class ActuatorFixture implements AutoCloseable {
    static final Issued ROOT = TestPki.rootCa("ROOTCA", "EC");
    final Issued leaf = ROOT.leaf("EC", "test.com");
    final SecretResolver resolver = SecretResolver.builder().backgroundRefresh(false).build();
    final SniCertificateRegistry registry = new SniCertificateRegistry(resolver, new SniCertificates(),
            Clock.systemUTC(), SniEntryPreference.newestValid());
    final SniBindings bindings = new SniBindings(registry);

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
        registry.close();
        resolver.close();
    }
}
