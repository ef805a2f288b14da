package io.github.vaultsni.sni;

import java.nio.ByteBuffer;

/**
 * A fatal TLS alert sent in the clear, before any handshake message of the server's (RFC 8446 §6, RFC 5246 §7.2):
 * how the {@link ClientHelloConnectionFactory} refuses a ClientHello without a TLS engine.
 */
enum TlsAlert {
    HANDSHAKE_FAILURE(40),
    PROTOCOL_VERSION(70),
    UNRECOGNIZED_NAME(112);

    private static final byte ALERT = 21;
    private static final byte FATAL = 2;
    private final byte description;

    TlsAlert(int description) {
        this.description = (byte) description;
    }

    /** The alert's record: content type alert, legacy version TLS 1.2 (as TLS 1.3 sends too), level fatal. */
    ByteBuffer record() {
        return ByteBuffer.wrap(new byte[]{ALERT, 3, 3, 0, 2, FATAL, description});
    }
}
