package io.github.vaultsni.tls;

import org.conscrypt.Conscrypt;

import javax.net.ssl.SSLEngine;

/**
 * Session tickets on a Conscrypt engine, whose default (BoringSSL's {@code SSL_OP_NO_TICKET}) is none. Its own class
 * so that Conscrypt, an optional dependency, is loaded only when it serves.
 */
public final class ConscryptTickets {
    private ConscryptTickets() {
    }

    /** Lets {@code engine} (a Conscrypt engine, before its handshake) send session tickets. */
    public static void use(SSLEngine engine) {
        if (Conscrypt.isConscrypt(engine)) {
            Conscrypt.setUseSessionTickets(engine, true);
        }
    }
}
