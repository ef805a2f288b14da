package io.github.vaultsni.tls;

import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import java.security.Provider;
import java.security.Security;
import java.util.Locale;

/**
 * Which TLS implementation serves handshakes: the JDK's, or Conscrypt (BoringSSL), which needs about half the
 * CPU per full handshake. Conscrypt is optional: its jars ({@code conscrypt-openjdk-uber},
 * {@code jetty-alpn-conscrypt-server}) must be on the class path and its native library must load on this
 * platform; {@link #AUTO} takes it where it does and falls back to the JDK with one log line where it does not.
 */
public enum TlsProvider {
    JDK, CONSCRYPT, AUTO;

    private static final Logger LOG = LoggerFactory.getLogger(TlsProvider.class);
    private static final String CONSCRYPT_NAME = "Conscrypt";

    /** {@code jdk}, {@code conscrypt} or {@code auto}, any case. */
    public static TlsProvider parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("tls provider must be jdk, conscrypt or auto, not " + text);
        }
    }

    /**
     * Makes {@code factory} (not yet started) use this provider, and adds to {@code connector} what that
     * provider needs. Returns the provider in use.
     *
     * @throws IllegalStateException for {@link #CONSCRYPT} when Conscrypt cannot be used here
     */
    public TlsProvider applyTo(SslContextFactory.Server factory, ServerConnector connector) {
        if (this == JDK) {
            return JDK;
        }
        String unavailable = registerConscrypt();
        if (unavailable != null) {
            if (this == CONSCRYPT) {
                throw new IllegalStateException("tls provider conscrypt is not usable here: " + unavailable);
            }
            LOG.info("TLS by the JDK (Conscrypt not usable here: {})", unavailable);
            return JDK;
        }
        factory.setProvider(CONSCRYPT_NAME);
        connector.addBean(new EngineCloser());
        SslConnectionFactory tls = connector.getConnectionFactory(SslConnectionFactory.class);
        if (tls != null) {
            // Given heap buffers, each Conscrypt engine copies through a direct buffer of its own, freed only
            // when a GC collects the engine; given Jetty's pooled direct buffers, it reads and writes them in place.
            tls.setDirectBuffersForEncryption(true);
            tls.setDirectBuffersForDecryption(true);
        }
        return CONSCRYPT;
    }

    /** Null when Conscrypt is registered as a security provider, else why it cannot be. */
    private static synchronized String registerConscrypt() {
        if (Security.getProvider(CONSCRYPT_NAME) != null) {
            return null;
        }
        try {
            Class<?> conscrypt = Class.forName("org.conscrypt.Conscrypt");
            if (!(Boolean) conscrypt.getMethod("isAvailable").invoke(null)) {
                return "its native library did not load on this platform";
            }
            Class.forName("org.eclipse.jetty.alpn.conscrypt.server.ConscryptServerALPNProcessor");
            Security.addProvider((Provider) conscrypt.getMethod("newProvider").invoke(null));
            return null;
        } catch (ClassNotFoundException e) {
            return e.getMessage() + " is not on the class path";
        } catch (ReflectiveOperationException | LinkageError e) {
            return e.getClass().getSimpleName();
        }
    }

    /**
     * Conscrypt's engine holds native resources until it is closed in both directions, and Jetty leaves it
     * open when the peer resets the connection; closing it when the connection closes keeps file descriptors
     * and native memory flat under many short connections.
     */
    static final class EngineCloser implements Connection.Listener {
        @Override
        public void onClosed(Connection connection) {
            if (connection instanceof SslConnection ssl) {
                closeEngine(ssl.getSSLEngine());
            }
        }
    }

    /**
     * Closes {@code engine} both ways, started or not: a Conscrypt engine frees its native state now and lets go of
     * its connection ({@link ConscryptEngines#releaseConnection}); the JDK's has nothing more to free.
     */
    public static void closeEngine(SSLEngine engine) {
        engine.closeOutbound();
        try {
            engine.closeInbound();
        } catch (SSLException e) {
            // the peer did not close cleanly, or never spoke; the engine is closed all the same
        }
        if (engine.getClass().getName().startsWith("org.conscrypt.")) { // Conscrypt's classes only where it serves
            ConscryptEngines.releaseConnection(engine);
        }
    }
}
