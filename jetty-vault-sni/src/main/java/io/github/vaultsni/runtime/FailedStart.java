package io.github.vaultsni.runtime;

import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.eclipse.jetty.util.component.LifeCycle;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What a Jetty container whose start fails part way does with what it had started: stops its running managed
 * beans, last started first. (Jetty's own {@code doStop()} does nothing while the container is still starting, so
 * a {@code doStart()} that catches its failure and calls it would leave the data directory's lock, the ports and
 * the threads held.) Used by every {@code doStart()} here that starts beans one after another.
 */
public final class FailedStart {
    private FailedStart() {
    }

    /**
     * Stops {@code container}'s running managed beans in reverse order; what fails to stop is added to
     * {@code cause} as suppressed. Returns {@code cause}, for {@code throw FailedStart.stopStarted(this, e)}.
     */
    public static <T extends Throwable> T stopStarted(ContainerLifeCycle container, T cause) {
        List<Object> beans = new ArrayList<>(container.getBeans());
        Collections.reverse(beans);
        for (Object bean : beans) {
            if (bean instanceof LifeCycle component && container.isManaged(bean) && component.isRunning()) {
                try {
                    component.stop();
                } catch (Exception | Error e) {
                    cause.addSuppressed(e);
                }
            }
        }
        return cause;
    }
}
