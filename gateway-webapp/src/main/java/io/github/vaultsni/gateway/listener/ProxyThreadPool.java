package io.github.vaultsni.gateway.listener;

import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The proxy server's threads. Its one departure from Jetty's pool: an HTTP/1.1 connection of
 * {@link InlineResumeHttpConnectionFactory} handed over to read its next request runs on the calling thread instead
 * of waking another (the proxy's handler never blocks, so nothing it runs can hold that thread).
 */
public final class ProxyThreadPool extends QueuedThreadPool {

    public ProxyThreadPool(String name, int maxThreads, int minThreads) {
        super(maxThreads, minThreads);
        setName(name);
    }

    @Override
    public void execute(Runnable job) {
        if (job instanceof InlineResumeHttpConnectionFactory.InlineResumeHttpConnection) {
            job.run();
            return;
        }
        super.execute(job);
    }
}
