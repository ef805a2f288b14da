package io.github.vaultsni.sni;

/**
 * Issues certificates for names under a wildcard SNI on their first handshake. Called on the handshake thread,
 * which only waits (with the object's deadline) on the one issuance in flight for the name; the issuance itself
 * runs elsewhere.
 */
interface OnDemandIssuance {

    /** Returns once {@code name} is served, or its issuance failed, was refused or took too long. */
    void await(String name);
}
