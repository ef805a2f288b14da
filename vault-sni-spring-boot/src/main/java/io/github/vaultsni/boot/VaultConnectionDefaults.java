package io.github.vaultsni.boot;

import io.github.vaultsni.vault.VaultAuth;

/**
 * A Vault address and authentication configured elsewhere in the application (Spring Cloud Vault's), used for
 * what {@code vault-sni.vault.*} leaves unset.
 */
interface VaultConnectionDefaults {

    /** Where these defaults come from, for log lines and errors (e.g. {@code spring.cloud.vault}). */
    String source();

    String uri();

    /** The namespace, or null for none. */
    String namespace();

    /**
     * The authentication to use.
     *
     * @throws IllegalStateException when it is of a kind vault-sni cannot use, saying what to set instead
     */
    VaultAuth auth();
}
