package io.github.vaultsni.secret;

import java.util.Arrays;
import java.util.Objects;

/** The observers of one resolver, told in turn; the array is replaced whole, so telling takes no lock. */
final class SecretObservers implements SecretObserver {
    private volatile SecretObserver[] observers = new SecretObserver[0];

    synchronized void add(SecretObserver observer) {
        Objects.requireNonNull(observer, "observer");
        SecretObserver[] more = Arrays.copyOf(observers, observers.length + 1);
        more[more.length - 1] = observer;
        observers = more;
    }

    synchronized void remove(SecretObserver observer) {
        observers = Arrays.stream(observers).filter(o -> o != observer).toArray(SecretObserver[]::new);
    }

    @Override
    public void cacheHit(SecretLocation location) {
        for (SecretObserver observer : observers) {
            observer.cacheHit(location);
        }
    }

    @Override
    public void staleServed(SecretLocation location) {
        for (SecretObserver observer : observers) {
            observer.staleServed(location);
        }
    }

    @Override
    public void read(String secretObject, SecretException.Kind failure, long nanos) {
        for (SecretObserver observer : observers) {
            observer.read(secretObject, failure, nanos);
        }
    }

    @Override
    public void refreshFailed(SecretLocation location, SecretException.Kind kind) {
        for (SecretObserver observer : observers) {
            observer.refreshFailed(location, kind);
        }
    }
}
