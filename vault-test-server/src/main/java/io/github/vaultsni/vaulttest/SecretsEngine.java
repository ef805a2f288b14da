package io.github.vaultsni.vaulttest;

import java.util.Map;

/** A secrets engine mounted at a path. Paths given to it are relative to the mount, without a leading slash. */
interface SecretsEngine {

    /** The mount's {@code type} as {@code sys/mounts} reports it. */
    String type();

    /** The mount's {@code options}, or null. */
    Map<String, String> options();

    /** Whether a write to {@code relativePath} updates something that exists (ACL {@code update}) or creates it. */
    boolean exists(String relativePath);

    Reply handle(VaultRequest request, String relativePath);

    /** Whether a read of {@code relativePath} needs no token (Vault's unauthenticated paths, e.g. PKI's {@code cert/ca}). */
    default boolean unauthenticatedRead(String relativePath) {
        return false;
    }
}
