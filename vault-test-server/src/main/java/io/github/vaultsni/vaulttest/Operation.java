package io.github.vaultsni.vaulttest;

/** Vault's logical operations, each named by the ACL capability it needs. */
enum Operation {
    READ("read"), LIST("list"), CREATE("create"), UPDATE("update"), DELETE("delete"), PATCH("patch");

    final String capability;

    Operation(String capability) {
        this.capability = capability;
    }
}
