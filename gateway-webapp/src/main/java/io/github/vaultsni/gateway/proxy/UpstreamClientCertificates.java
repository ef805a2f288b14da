package io.github.vaultsni.gateway.proxy;

import io.github.vaultsni.sni.SniEntry;

import java.util.Optional;

/** The {@code type: client} SSL objects an upstream may present to its nodes ({@code tls.client_cert_id}). */
@FunctionalInterface
public interface UpstreamClientCertificates {

    /** The built object with this id, or empty while it is missing, failed or still being built. */
    Optional<SniEntry> clientCertificate(String sslObjectId);
}
