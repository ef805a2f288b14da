package io.github.vaultsni.gateway.store;

/**
 * One change, at one revision: a put (the new object) or a delete (the object as it was). Changes are
 * delivered in revision order, so applying them in turn rebuilds the store's state.
 */
public record ConfigChange(long revision, Type type, StoredObject object) {

    /** What happened to the key. */
    public enum Type { PUT, DELETE }

    public String key() {
        return object.key();
    }
}
