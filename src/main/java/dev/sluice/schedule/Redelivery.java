package dev.sluice.schedule;

import dev.sluice.outcome.DeliveryResult;
import dev.sluice.pipeline.Event;
import io.smallrye.mutiny.Uni;

/**
 * Sends an event through a route again, outside the intake: a dead letter redriven. It runs the
 * route's delivery as a record from Kafka does (its target, timeout, retries, credentials and dead
 * letters, the same Idempotency-Key) under the route's limiter, so its in-flight and rate limits
 * count the redriven records with the others. It takes no admission permit and no lane: the
 * caller bounds how many it has under way and keeps each key's records in order itself.
 */
public interface Redelivery {
    /** The route is not in the config in force: nothing was sent. */
    final class NoSuchRoute extends IllegalStateException {
        public NoSuchRoute(String route) {
            super("route " + route + " is not in the config in force");
        }
    }

    /** The outcome of one delivery; fails with {@link NoSuchRoute} when the route is gone. */
    Uni<DeliveryResult> redeliver(String route, Event event);

    /**
     * A record read from its source topic again for the route (a paused route catching up): the
     * route's filters decide it first (declined: counted as filtered; not evaluable: dead-lettered),
     * then it is delivered as {@link #redeliver} does.
     */
    Uni<DeliveryResult> replay(String route, Event event);

    /** Whether the config in force pauses the route (false for a route it does not have). */
    boolean paused(String route);
}
