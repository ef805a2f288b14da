package io.github.vaultsni.sni;

import io.github.vaultsni.tls.ConscryptEngines;
import org.eclipse.jetty.util.ssl.SslContextFactory;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.TrustManager;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.NoSuchAlgorithmException;
import java.security.Security;
import java.security.cert.CRL;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * An {@link SslContextFactory.Server} whose certificates come from {@link SniCertificates}: each handshake is
 * answered from the index current at that moment, so adding, replacing or removing certificates takes effect
 * on the next handshake, without rebuilding the {@code SSLContext} (sessions survive) and without touching open
 * connections. Never call {@code reload()} for rotation: Jetty's reload unloads first.
 *
 * <p>What it changes in Jetty's factory: the key manager ({@link SniKeyManager}), the trust manager (client
 * certificates per entry, {@link SniClientTrustManager}), and an SNI matcher that refuses unknown names with
 * {@code unrecognized_name}. When any entry verifies clients, engines ask for a client certificate; add
 * {@link SniClientCertificateCheck} to the connector (as {@link SniConnectors} does) to require it per entry.
 * A keystore, if one is configured, is ignored for serving; without one, an empty in-memory keystore is used
 * so Jetty still asks for key managers.
 */
public class VaultSniSslContextFactory extends SslContextFactory.Server {
    /** A session lifetime past the 7 days a TLS 1.3 ticket may live (RFC 8446 §4.6.1): JSSE then sends none. */
    static final int NO_TICKETS_SESSION_TIMEOUT = 7 * 24 * 3600 + 1;
    /** The JDK's switch for stateless tickets, read when an {@code SSLContext}'s server session cache is made. */
    static final String JDK_TICKET_EXTENSION = "jdk.tls.server.enableSessionTicketExtension";
    private final SniCertificates certificates;
    private boolean sessionTickets = true;
    /** The JDK's TLS, for names whose key is kept elsewhere, where this factory's provider is another; else null. */
    private SSLContext jdkContext;

    public VaultSniSslContextFactory(SniCertificates certificates) {
        this.certificates = Objects.requireNonNull(certificates, "certificates");
    }

    public SniCertificates getCertificates() {
        return certificates;
    }

    /**
     * Whether clients get session tickets after a full handshake (Jetty's default: yes). {@code false} is APISIX's
     * default ({@code ssl_session_tickets: false}, for forward secrecy): no ticket is sent, in TLS 1.2 or 1.3, so
     * no session resumes from one (TLS 1.2 sessions may still resume by id from the server's cache, as nginx's
     * session cache allows). Off is done end to end, so the {@code ServerHello} never acknowledges a ticket it will
     * not send (OpenSSL and Python clients fail such a handshake with "unexpected message"):
     * <ul>
     *   <li>the JDK's TLS: its context is made with {@value #JDK_TICKET_EXTENSION} false (no ticket extension
     *       in TLS 1.2), and the session lifetime is past the 7 days a TLS 1.3 ticket may live (no TLS 1.3
     *       ticket);</li>
     *   <li>Conscrypt: BoringSSL's own switch per engine ({@code SSL_OP_NO_TICKET}, Conscrypt's default), which on
     *       turns off.</li>
     * </ul>
     * Set before the factory starts.
     */
    public void setSessionTickets(boolean sessionTickets) {
        this.sessionTickets = sessionTickets;
        setSslSessionTimeout(sessionTickets ? -1 : NO_TICKETS_SESSION_TIMEOUT);
    }

    public boolean isSessionTickets() {
        return sessionTickets;
    }

    /** The JDK's context, made with its ticket extension as {@link #setSessionTickets} says. */
    @Override
    protected SSLContext getSSLContextInstance() throws NoSuchAlgorithmException {
        if (!isJdkProvider()) {
            return super.getSSLContextInstance();
        }
        return withTicketSwitch(super::getSSLContextInstance);
    }

    private interface ContextMaker {
        SSLContext make() throws NoSuchAlgorithmException;
    }

    private SSLContext withTicketSwitch(ContextMaker maker) throws NoSuchAlgorithmException {
        // The JDK has no per-context switch but this property, read as the context is made. It is set only for that
        // moment and restored (an explicit -D included); a server context made elsewhere in the JVM at that very
        // moment would read it too, the one cost of the only switch there is.
        synchronized (VaultSniSslContextFactory.class) {
            String before = System.getProperty(JDK_TICKET_EXTENSION);
            System.setProperty(JDK_TICKET_EXTENSION, Boolean.toString(sessionTickets));
            try {
                return maker.make();
            } finally {
                if (before == null) {
                    System.clearProperty(JDK_TICKET_EXTENSION);
                } else {
                    System.setProperty(JDK_TICKET_EXTENSION, before);
                }
            }
        }
    }

    private boolean isJdkProvider() {
        return getProvider() == null || "SunJSSE".equals(getProvider());
    }

    @Override
    public void customize(SSLEngine engine) {
        super.customize(engine);
        if (sessionTickets && "Conscrypt".equals(getProvider())) {
            ConscryptEngines.useSessionTickets(engine);
        }
    }

    @Override
    protected void doStart() throws Exception {
        if (getKeyStore() == null && getKeyStoreResource() == null) {
            KeyStore empty = KeyStore.getInstance("PKCS12");
            empty.load(null, null);
            setKeyStore(empty);
        }
        super.doStart();
        if (!isJdkProvider()) {
            jdkContext = newJdkContext();
        }
    }

    @Override
    protected void doStop() throws Exception {
        jdkContext = null;
        super.doStop();
    }

    /** A context of the JDK's TLS with this factory's key and trust managers and session settings. */
    private SSLContext newJdkContext() throws GeneralSecurityException {
        SSLContext context = withTicketSwitch(() -> SSLContext.getInstance(getProtocol(), Security.getProvider("SunJSSE")));
        context.init(new KeyManager[]{new SniKeyManager(certificates)},
                new TrustManager[]{new SniClientTrustManager(certificates)}, getSecureRandomInstance());
        SSLSessionContext sessions = context.getServerSessionContext();
        if (getSslSessionTimeout() > -1) {
            sessions.setSessionTimeout(getSslSessionTimeout());
        }
        if (getSslSessionCacheSize() > -1) {
            sessions.setSessionCacheSize(getSslSessionCacheSize());
        }
        return context;
    }

    /**
     * An engine of the JDK's TLS for a name whose key is kept elsewhere ({@link SniEntry#hasRemoteKey()}: keyless),
     * which only the JDK's TLS signs with: this factory's own where its provider is the JDK's, else one of a JDK
     * context made at start with the same key and trust managers, session settings, and protocols and cipher suites
     * (those of them the JDK has). Such a name's sessions are the JDK context's own.
     */
    public SSLEngine newRemoteKeyEngine(SocketAddress peer) {
        SSLContext jdk = jdkContext;
        if (jdk == null) {
            return peer instanceof InetSocketAddress inet ? newSSLEngine(inet) : newSSLEngine();
        }
        SSLEngine engine = peer instanceof InetSocketAddress inet ? jdk.createSSLEngine(inet.getHostString(), inet.getPort())
                : jdk.createSSLEngine();
        SSLParameters parameters = customize(engine.getSSLParameters());
        parameters.setProtocols(supported(parameters.getProtocols(), engine.getSupportedProtocols()));
        parameters.setCipherSuites(supported(parameters.getCipherSuites(), engine.getSupportedCipherSuites()));
        engine.setSSLParameters(parameters);
        return engine;
    }

    private static String[] supported(String[] wanted, String[] supported) {
        List<String> known = List.of(supported);
        return Arrays.stream(wanted).filter(known::contains).toArray(String[]::new);
    }

    @Override
    protected KeyManager[] getKeyManagers(KeyStore keyStore) {
        // Only a provider chosen by name gets keys in its own form: the JDK's providers read the JDK's keys as they are.
        certificates.useKeysOf(getProvider() == null ? null : Security.getProvider(getProvider()));
        return new KeyManager[]{new SniKeyManager(certificates)};
    }

    @Override
    protected TrustManager[] getTrustManagers(KeyStore trustStore, Collection<? extends CRL> crls) {
        return new TrustManager[]{new SniClientTrustManager(certificates)};
    }

    /**
     * The client's certificates, or null. While no entry verifies clients, no client was asked for one, and the
     * JDK would answer by throwing (an exception, stack trace and all, on every connection's first request).
     */
    @Override
    public X509Certificate[] getX509CertChain(SSLSession session) {
        return certificates.current().verifiesClients() ? super.getX509CertChain(session) : null;
    }

    @Override
    public SSLParameters customize(SSLParameters parameters) {
        super.customize(parameters);
        parameters.setSNIMatchers(List.of(new SniMatcher(certificates)));
        if (certificates.current().verifiesClients() && !parameters.getNeedClientAuth()) {
            parameters.setWantClientAuth(true);
        }
        return parameters;
    }
}
