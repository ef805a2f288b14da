package io.github.vaultsni.registry;

import io.github.vaultsni.runtime.VaultSniRuntime;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Runtimes as the registry tests start them (no background refresh: tests drive refreshes and clocks by hand),
 * each built by {@link VaultSniRuntime#builder()} as every way in builds its own; stopped in reverse by
 * {@link #close()}.
 */
final class Runtimes implements AutoCloseable {
    private final List<VaultSniRuntime> started = new ArrayList<>();

    /** A started runtime with {@code settings} applied over the tests' defaults. */
    VaultSniRuntime start(Consumer<VaultSniRuntime.Builder> settings) throws Exception {
        VaultSniRuntime.Builder builder = VaultSniRuntime.builder().secrets(secrets -> secrets.backgroundRefresh(false));
        settings.accept(builder);
        VaultSniRuntime runtime = builder.build();
        runtime.start();
        started.add(runtime);
        return runtime;
    }

    /** Stops one runtime now (a restart, a node going away). */
    void stop(VaultSniRuntime runtime) throws Exception {
        runtime.stop();
        started.remove(runtime);
    }

    @Override
    public void close() throws Exception {
        for (int i = started.size() - 1; i >= 0; i--) {
            started.get(i).stop();
        }
        started.clear();
    }
}
