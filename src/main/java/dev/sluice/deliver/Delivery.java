package dev.sluice.deliver;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.sluice.config.Route;
import dev.sluice.intake.Event;
import dev.sluice.schedule.InFlightLimit;
import io.smallrye.mutiny.Uni;

/**
 * Delivers one event to one route, retrying and dead-lettering as the route's policy says.
 *
 * <pre>
 *                 +--------------------- backoff elapsed ----------------------+
 *                 v                                                            |
 *   start --> onAttempt(n): take a route permit, POST, give the permit back    |
 *                 |                                                            |
 *                 +-- SUCCESS ----------------------------> DELIVERED           |
 *                 +-- RETRIABLE, n &lt; max-attempts -------> onRetriable: wait --+
 *                 +-- RETRIABLE, n = max-attempts --+
 *                 +-- TERMINAL ---------------------+--> onGiveUp: dead-letter write
 *                                                            +-- acked  --> DEAD_LETTERED
 *                                                            +-- failed --> failure (source record is not acked)
 * </pre>
 *
 * A route permit is held only while a request is on the wire: an event waiting for its backoff
 * takes no delivery slot.
 */
@ApplicationScoped
public class Delivery {
    private static final Logger LOG = Logger.getLogger(Delivery.class);

    public enum Result {
        DELIVERED,
        DEAD_LETTERED
    }

    private final HttpTarget http;
    private final DeadLetterWriter deadLetters;
    private final DeliveryStats stats;

    Delivery(HttpTarget http, DeadLetterWriter deadLetters, DeliveryStats stats) {
        this.http = http;
        this.deadLetters = deadLetters;
        this.stats = stats;
    }

    /** Runs the state machine above; {@code limit} is the route's in-flight limit. */
    public Uni<Result> deliver(Route route, Event event, InFlightLimit limit) {
        return onAttempt(route, event, limit, 1);
    }

    private Uni<Result> onAttempt(Route route, Event event, InFlightLimit limit, int attempt) {
        return limit.acquire()
                .chain(permit -> timed(route, http.send(route, event)).eventually(permit::release))
                .chain(outcome -> switch (outcome.kind()) {
                    case SUCCESS -> onSuccess(route, event);
                    case RETRIABLE -> attempt < route.retry().maxAttempts()
                            ? onRetriable(route, event, limit, attempt, outcome)
                            : onGiveUp(route, event, outcome, attempt);
                    case TERMINAL -> onGiveUp(route, event, outcome, attempt);
                });
    }

    /** Times one attempt from subscription (the request leaves) to its classified outcome. */
    private Uni<AttemptOutcome> timed(Route route, Uni<AttemptOutcome> attempt) {
        return Uni.createFrom().deferred(() -> {
            long start = System.nanoTime();
            return attempt.invoke(() -> stats.of(route.name()).onAttempt(System.nanoTime() - start));
        });
    }

    private Uni<Result> onSuccess(Route route, Event event) {
        stats.of(route.name()).onDelivered(event.timestamp());
        return Uni.createFrom().item(Result.DELIVERED);
    }

    private Uni<Result> onRetriable(Route route, Event event, InFlightLimit limit, int attempt, AttemptOutcome outcome) {
        Duration delay = route.retry().backoff(attempt, outcome.retryAfter(), ThreadLocalRandom.current()::nextDouble);
        stats.of(route.name()).onRetried();
        LOG.debugf("route=%s topic=%s partition=%d offset=%d attempt=%d: %s, retrying in %d ms", route.name(),
                event.topic(), event.partition(), event.offset(), attempt, outcome.reason(), delay.toMillis());
        return Uni.createFrom().voidItem()
                .onItem().delayIt().by(delay)
                .chain(() -> onAttempt(route, event, limit, attempt + 1));
    }

    private Uni<Result> onGiveUp(Route route, Event event, AttemptOutcome outcome, int attempts) {
        return deadLetters.write(route, event, outcome, attempts)
                .invoke(() -> {
                    stats.of(route.name()).onDeadLettered();
                    LOG.warnf("route=%s topic=%s partition=%d offset=%d attempts=%d: %s; written to dead-letter topic %s",
                            route.name(), event.topic(), event.partition(), event.offset(), attempts, outcome.reason(),
                            route.deadLetterTopic());
                })
                .onFailure().invoke(t -> {
                    stats.of(route.name()).onDeadLetterFailed();
                    LOG.errorf(t, "route=%s topic=%s partition=%d offset=%d: dead-letter write to %s failed; "
                            + "the record stays unacknowledged and will be redelivered", route.name(), event.topic(),
                            event.partition(), event.offset(), route.deadLetterTopic());
                })
                .replaceWith(Result.DEAD_LETTERED);
    }
}
