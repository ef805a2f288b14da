package io.github.vaultsni.testsupport;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;

/** The JDK's TLS client as the tests use it: trusting a CA given as PEM, and asking a listener for a name. */
public final class TlsClients {
    private TlsClients() {
    }

    /** A client context trusting only the certificates in {@code caPem} (e.g. Vault's PKI root). */
    public static SSLContext trusting(String caPem) {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            int i = 0;
            for (Certificate ca : CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(caPem.getBytes(StandardCharsets.US_ASCII)))) {
                trust.setCertificateEntry("ca-" + i++, ca);
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot trust " + caPem.lines().findFirst().orElse(""), e);
        }
    }

    /**
     * The leaf certificate a TLS listener on 127.0.0.1 serves a client sending {@code sni}, after a full
     * handshake; null when the handshake is refused.
     *
     * <p>The JDK's client caches sessions by the host it was given and the port, and when it tries to resume one
     * it sends that session's SNI, not the one set on the socket (seen on Java 25: a handshake "for" {@code b.test}
     * after one for {@code a.test} to the same address asks for {@code a.test} again). So the socket is layered over
     * a plain one under the SNI's own name, and its session is invalidated after: each call is a full handshake
     * that asks for {@code sni}, whatever ran before or runs beside it.
     */
    public static X509Certificate servedLeaf(SSLContext context, int port, String sni) {
        try (Socket plain = new Socket("127.0.0.1", port);
             SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(plain, sni, port, true)) {
            socket.setSoTimeout(10_000);
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setServerNames(List.of(new SNIHostName(sni)));
            socket.setSSLParameters(parameters);
            try {
                socket.startHandshake();
                return (X509Certificate) socket.getSession().getPeerCertificates()[0];
            } finally {
                socket.getSession().invalidate();
            }
        } catch (SSLException refused) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * One {@code GET /} ({@code Connection: close}) over TLS to a listener on 127.0.0.1 asking for {@code sni}, and
     * only {@code protocol} when one is given: the TLS session when an HTTP answer comes, null when the handshake or
     * the request is refused. The context keeps its sessions, so a next call may resume this one.
     */
    public static SSLSession get(SSLContext context, int port, String sni, String protocol) {
        try (Socket plain = new Socket("127.0.0.1", port);
             SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(plain, sni, port, true)) {
            socket.setSoTimeout(10_000);
            if (protocol != null) {
                socket.setEnabledProtocols(new String[]{protocol});
            }
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setServerNames(List.of(new SNIHostName(sni)));
            socket.setSSLParameters(parameters);
            socket.getOutputStream().write(("GET / HTTP/1.1\r\nHost: " + sni + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            boolean answered = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
                    .startsWith("HTTP/1.1 ");
            return answered ? socket.getSession() : null;
        } catch (IOException refused) {
            return null;
        }
    }
}
