package io.github.vaultsni.gateway.proxy;

import org.eclipse.jetty.server.Handler;

/**
 * Declares the proxy's handler tree non-blocking, so Jetty handles each request on the thread that read it
 * instead of handing it to another thread (a context switch per request on a busy machine). True of
 * {@link GatewayProxyServlet}: it starts async, sends upstream with the asynchronous {@code HttpClient}, streams
 * bodies with read and write listeners, and its own error bodies fit the response buffer (never a blocking
 * write). Measured with bench/gateway-vs-nginx.sh (Conscrypt, run 2): proxy CPU per HTTPS request 97 to 72 us
 * (HTTP/1.1) and 94 to 80 us (h2); a larger or smaller thread pool alone changed nothing.
 *
 * <p>Only for a server that serves nothing else: Jetty asks the server, not the request, whether handling may
 * block, so the admin API (which waits for its store) runs on a server of its own.
 */
public final class NonBlockingProxyContext extends Handler.Wrapper {
    public NonBlockingProxyContext(Handler proxyContext) {
        super(proxyContext);
    }

    @Override
    public InvocationType getInvocationType() {
        return InvocationType.NON_BLOCKING;
    }
}
