package dev.sluice.pipeline;

import io.smallrye.mutiny.Uni;

/**
 * What a route lets through, as the stages below the scheduler see it: the scheduler's route
 * limiter (in-flight limit, fixed or adaptive, and rate limit) implements it; delivery takes a
 * {@link Pass} for each attempt and a held dead letter takes a {@link Slot}. Every pass and slot
 * must be released exactly once, whatever the outcome; give up a wait with {@code stop}, never by
 * cancelling (a cancel racing a grant can lose the permit).
 */
public interface RoutePermits {
    /**
     * A route permit, then a rate token: leave to send one request. Null if {@code stop} (null:
     * never) completes first; then nothing is held. {@code waits} hears of a wait for the permit.
     */
    Uni<Pass> attempt(Uni<Void> stop, WaitHook waits);

    /** A route permit alone (no rate token), for a record held while its dead letter cannot be written. */
    Uni<Slot> hold(WaitHook waits);

    /** One unit of the route's capacity. */
    interface Slot {
        /** Gives it back; idempotent. */
        void release();
    }

    /** Leave to send one request, given back by exactly one report of its outcome (or {@link #release}). */
    interface Pass extends Slot {
        /** The target answered: the round trip is a sample of its latency. */
        void onAnswer();

        /** The target pushed back (429, 503, 504, timeout, connection error): an adaptive limit backs off. */
        void onDrop();

        /** An outcome that says nothing about the target's capacity (e.g. a 500). */
        void onIgnore();
    }
}
