package dev.sluice.schedule;

import java.time.Duration;

/**
 * What operations (status, health, metrics, the drain) read of admission: counts and limits,
 * never a handle that could take or give back a permit.
 */
public interface AdmissionState {
    /** Records started and not yet acked, let go or nacked: holding an in-flight permit or parked. */
    int inFlight();

    /** Records parked (holding a parking slot instead of an in-flight permit). */
    int parked();

    /** Most records parked at once ({@code sluice.max-waiting}). */
    int maxParked();

    /** Records received and waiting for an in-flight permit. */
    int staged();

    /** The global in-flight limit now ({@code sluice.max-in-flight}). */
    int maxInFlight();

    /** Most records that held in-flight permits at once since start. */
    int mostInFlight();

    /** Version of the config snapshot whose global limit is in force. */
    long appliedVersion();

    /** Waits until no record is in flight or the timeout passes; returns the number still in flight. */
    int awaitIdle(Duration timeout) throws InterruptedException;
}
