package io.github.vaultsni.secret;

/**
 * Told when the value behind a reference changes: a new value, or the value gone. Certificates built from the
 * reference are rebuilt from here (rotation). Called on a resolver thread; keep it short and hand heavy work off.
 */
@FunctionalInterface
public interface SecretChangeListener {
    void secretChanged(SecretReference reference);
}
