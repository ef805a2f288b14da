package io.github.vaultsni.vaulttest;

/**
 * An auth method enabled at a mount ({@code POST sys/auth/<mount> {"type": ...}}): its configuration and role paths,
 * which need a token the ACL allows, and its login, which needs none.
 */
interface AuthBackend {

    /** {@code path} is what follows {@code auth/<mount>/}; the caller's token and ACL were checked. */
    Reply handle(VaultRequest request, String path);

    /** {@code POST auth/<mount>/login}. */
    Reply login(VaultRequest request);

    /**
     * {@code renew-self} of a token this method issued: throws as Vault does when the method will not renew it (its
     * role is gone, ...). Default: renewable.
     */
    default void checkRenewal(Token token, VaultRequest request) {
    }

    /** The method's error on a renewal it refuses: Vault wraps it as a failed renewal (500). */
    static VaultError renewalFailed(String message) {
        return new VaultError(500, "1 error occurred:\n\t* failed to renew entry: " + message + "\n\n");
    }
}
