package io.github.vaultsni.vault;

import java.time.Duration;
import java.time.Instant;

/**
 * Stops asking a Vault that fails or hangs for work a handshake waits on (an on-demand certificate, a keyless
 * signature), so that those handshakes are refused at once rather than kept waiting for nothing. One per Vault
 * connection (secret object) and kind of work. Closed, it admits every request. One that fails, or is still in
 * flight when its handshake stops waiting, opens it: requests are refused for a cool-down (1 s, doubling up to a
 * minute from one failure to the next) and for as long as a slow one is still in flight (a Vault already being
 * waited on is not asked again); then one request is admitted as a probe, and the next that succeeds closes it.
 */
public final class VaultBreaker {
    private static final Duration FIRST_COOL_DOWN = Duration.ofSeconds(1);
    private static final Duration LONGEST_COOL_DOWN = Duration.ofMinutes(1);

    private enum State { CLOSED, OPEN, PROBING }

    private State state = State.CLOSED;
    private Instant openUntil = Instant.MIN;
    private Duration coolDown = FIRST_COOL_DOWN;
    private int slowInFlight;

    /** Whether a request may go to Vault now; once the cool-down is over, the first one asking is the probe. */
    public synchronized boolean admit(Instant now) {
        if (state == State.CLOSED) {
            return true;
        }
        if (state == State.PROBING || slowInFlight > 0 || now.isBefore(openUntil)) {
            return false;
        }
        state = State.PROBING;
        return true;
    }

    /** A probe {@link #admit} handed out was not used (e.g. its work was taken by another, or had no thread). */
    public synchronized void abandon() {
        if (state == State.PROBING) {
            state = State.OPEN; // its cool-down is over: the next new name probes
        }
    }

    /** A request is still in flight past the time its handshake waits. */
    public synchronized void slow(Instant now) {
        slowInFlight++;
        open(now);
    }

    /** A request ended ({@code wasSlow}: {@link #slow} was told of it). */
    public synchronized void ended(boolean wasSlow, boolean succeeded, Instant now) {
        if (wasSlow) {
            slowInFlight--;
        }
        if (succeeded) {
            state = State.CLOSED;
            coolDown = FIRST_COOL_DOWN;
        } else {
            open(now);
        }
    }

    private void open(Instant now) {
        openUntil = now.plus(coolDown);
        Duration next = coolDown.multipliedBy(2);
        coolDown = next.compareTo(LONGEST_COOL_DOWN) > 0 ? LONGEST_COOL_DOWN : next;
        state = State.OPEN;
    }

    public synchronized boolean isOpen() {
        return state != State.CLOSED;
    }

    @Override
    public synchronized String toString() {
        return state == State.CLOSED ? "closed" : state.name().toLowerCase(java.util.Locale.ROOT) + " until " + openUntil
                + (slowInFlight > 0 ? ", " + slowInFlight + " slow in flight" : "");
    }
}
