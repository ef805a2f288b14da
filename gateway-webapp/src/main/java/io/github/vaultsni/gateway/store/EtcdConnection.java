package io.github.vaultsni.gateway.store;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * How a node reaches the cluster's etcd, as APISIX's {@code deployment.etcd} section says it: client URLs, a key
 * prefix, and optionally a user and password (etcd's auth) and TLS (a CA to trust, a client certificate and key
 * when etcd asks for one). Checked when built so that a typo fails at start with its name, not later as a
 * connection that never comes up.
 *
 * @param endpoints etcd client URLs, {@code http://} or {@code https://}
 * @param keyPrefix put before APISIX's keys ({@code ""}: keys are {@code /apisix/...})
 * @param user etcd user, or null
 * @param password the user's password, or null
 * @param trustedCa PEM file of the CA that signed etcd's certificate, or null for the JDK's trusted CAs
 * @param clientCertificate PEM file of this node's client certificate, or null
 * @param clientKey PEM file (PKCS#8) of its private key, or null
 */
public record EtcdConnection(List<String> endpoints, String keyPrefix, String user, String password,
                             Path trustedCa, Path clientCertificate, Path clientKey) {

    public EtcdConnection {
        endpoints = List.copyOf(endpoints);
        keyPrefix = keyPrefix == null ? "" : keyPrefix.replaceAll("/+$", "");
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("etcd: no endpoints given");
        }
        endpoints.forEach(EtcdConnection::checkEndpoint);
        if ((user == null) != (password == null)) {
            throw new IllegalArgumentException("etcd: a user needs a password and a password needs a user");
        }
        if ((clientCertificate == null) != (clientKey == null)) {
            throw new IllegalArgumentException("etcd: a client certificate needs its key and a key needs its certificate");
        }
        for (Path file : new Path[] {trustedCa, clientCertificate, clientKey}) {
            if (file != null && !Files.isReadable(file)) {
                throw new IllegalArgumentException("etcd: cannot read " + file);
            }
        }
        if (usesTls(trustedCa, clientCertificate) && endpoints.stream().anyMatch(e -> e.startsWith("http://"))) {
            throw new IllegalArgumentException("etcd: TLS files are given but an endpoint is http://; use https://");
        }
    }

    /** Plain endpoints, no auth, no TLS files: a local etcd. */
    public static EtcdConnection of(List<String> endpoints, String keyPrefix) {
        return new EtcdConnection(endpoints, keyPrefix, null, null, null, null, null);
    }

    public EtcdConnection withUser(String user, String password) {
        return new EtcdConnection(endpoints, keyPrefix, user, password, trustedCa, clientCertificate, clientKey);
    }

    public EtcdConnection withTls(Path trustedCa, Path clientCertificate, Path clientKey) {
        return new EtcdConnection(endpoints, keyPrefix, user, password, trustedCa, clientCertificate, clientKey);
    }

    /** Whether the connection is TLS: an https endpoint or TLS files. */
    public boolean tls() {
        return usesTls(trustedCa, clientCertificate) || endpoints.stream().anyMatch(e -> e.startsWith("https://"));
    }

    private static boolean usesTls(Path trustedCa, Path clientCertificate) {
        return trustedCa != null || clientCertificate != null;
    }

    private static void checkEndpoint(String endpoint) {
        URI uri = null;
        try {
            uri = URI.create(Objects.requireNonNull(endpoint));
        } catch (IllegalArgumentException e) {
            // reported below with the expected form
        }
        if (uri == null || !"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null
                || uri.getPort() < 0) {
            throw new IllegalArgumentException("etcd: endpoint " + endpoint
                    + " must be http://host:port or https://host:port");
        }
    }

    /** For logs: endpoints, prefix, the user's name and which TLS files, never the password. */
    @Override
    public String toString() {
        return "etcd " + String.join(",", endpoints) + (keyPrefix.isEmpty() ? "" : " prefix " + keyPrefix)
                + (user == null ? "" : " user " + user) + (tls() ? " tls" : "")
                + (clientCertificate == null ? "" : " client-cert " + clientCertificate);
    }
}
