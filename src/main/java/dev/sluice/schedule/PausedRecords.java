package dev.sluice.schedule;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import dev.sluice.config.Route;
import dev.sluice.pipeline.Event;

/**
 * Where a paused route's records go when its topic has a route that is not paused: the topic is
 * fetched for that other route, so the paused one's records are held for it <em>in Kafka</em>.
 * The first one held on a partition marks, durably, the offset its route's hold began at; the
 * record is then done with for the route (the commit may pass it), and the route's resume reads
 * the partition again from that mark, outside the intake, until it has caught up with it. Kept
 * by a stage above the schedule (the redrive layer), asked here for each record and route.
 */
public interface PausedRecords {
    /** Nothing is ever held: every record goes to every route it matches. */
    PausedRecords NONE = new PausedRecords() {
        @Override
        public boolean known() {
            return true;
        }

        @Override
        public CompletionStage<Void> whenKnown() {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public boolean any() {
            return false;
        }

        @Override
        public CompletionStage<Void> hold(Route route, Event event) {
            return null;
        }
    };

    /** True once the holds marked so far are read: before that no record may be dispatched. */
    boolean known();

    /** Completes once {@link #known()}. */
    CompletionStage<Void> whenKnown();

    /** Whether some route has a hold on some partition now (when none has, only paused routes are asked). */
    boolean any();

    /**
     * Null: deliver the record to the route. Otherwise the record is held for the route in Kafka,
     * and done with here once the stage completes (its hold is durable); a stage that fails could
     * not mark the hold.
     */
    CompletionStage<Void> hold(Route route, Event event);
}
