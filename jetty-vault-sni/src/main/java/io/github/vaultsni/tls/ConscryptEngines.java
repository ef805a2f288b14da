package io.github.vaultsni.tls;

import org.conscrypt.Conscrypt;

import javax.net.ssl.SSLEngine;

/**
 * What the gateway asks of a Conscrypt engine beyond {@code SSLEngine}. Its own class so that Conscrypt, an optional
 * dependency, is loaded only when it serves.
 */
public final class ConscryptEngines {
    private ConscryptEngines() {
    }

    /**
     * Lets {@code engine} (a Conscrypt engine, before its handshake) send session tickets, which BoringSSL's default
     * ({@code SSL_OP_NO_TICKET}) does not.
     */
    public static void useSessionTickets(SSLEngine engine) {
        if (Conscrypt.isConscrypt(engine)) {
            Conscrypt.setUseSessionTickets(engine, true);
        }
    }

    /**
     * Lets go of the connection that {@code engine} (closed) still reaches through the ALPN selector Jetty gave it.
     * A Conscrypt engine has a finalizer, so it outlives its connection by a GC at least; holding the whole connection
     * (end points, buffers, HTTP state) it carried that into the old generation with it, about 10 KiB per connection,
     * which grew the heap under many short connections until a full GC.
     */
    static void releaseConnection(SSLEngine engine) {
        if (Conscrypt.isConscrypt(engine)) {
            Conscrypt.setApplicationProtocolSelector(engine, null);
        }
    }
}
