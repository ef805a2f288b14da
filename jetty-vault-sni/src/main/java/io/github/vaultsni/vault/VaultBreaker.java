package io.github.vaultsni.registry;

import java.time.Duration;
import java.time.Instant;

/**
 * Stops asking a Vault that fails or hangs for certificates of new names, so their handshakes are refused at once
 * rather than parked for nothing. One per Vault connection (secret object). Closed, it admits every new name. An
 * issuance that fails, or is still in flight when its handshakes stop waiting, opens it: new names are refused for
 * a cool-down (1 s, doubling up to a minute from one failure to the next) and for as long as a slow issuance is
 * still in flight (a Vault already being waited on is not asked again); then one new name is admitted as a probe,
 * and the next issuance that succeeds closes it. Renewals of served names are not held back: they back off on
 * their own and keep the current certificate meanwhile.
 */
final class IssuanceBreaker {
    private static final Duration FIRST_COOL_DOWN = Duration.ofSeconds(1);
    private static final Duration LONGEST_COOL_DOWN = Duration.ofMinutes(1);

    private enum State { CLOSED, OPEN, PROBING }

    private State state = State.CLOSED;
    private Instant openUntil = Instant.MIN;
    private Duration coolDown = FIRST_COOL_DOWN;
    private int slowInFlight;

    /** Whether a new name may be issued now; once the cool-down is over, the first one asking is the probe. */
    synchronized boolean admit(Instant now) {
        if (state == State.CLOSED) {
            return true;
        }
        if (state == State.PROBING || slowInFlight > 0 || now.isBefore(openUntil)) {
            return false;
        }
        state = State.PROBING;
        return true;
    }

    /** A probe {@link #admit} handed out was not used (its name was taken meanwhile, or its object removed). */
    synchronized void abandon() {
        if (state == State.PROBING) {
            state = State.OPEN; // its cool-down is over: the next new name probes
        }
    }

    /** An issuance is still in flight past its on-demand wait. */
    synchronized void slow(Instant now) {
        slowInFlight++;
        open(now);
    }

    /** An issuance ended ({@code wasSlow}: {@link #slow} was told of it). */
    synchronized void ended(boolean wasSlow, boolean succeeded, Instant now) {
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

    synchronized boolean isOpen() {
        return state != State.CLOSED;
    }

    @Override
    public synchronized String toString() {
        return state == State.CLOSED ? "closed" : state.name().toLowerCase(java.util.Locale.ROOT) + " until " + openUntil
                + (slowInFlight > 0 ? ", " + slowInFlight + " slow in flight" : "");
    }
}
