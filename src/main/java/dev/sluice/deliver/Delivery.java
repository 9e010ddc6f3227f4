package dev.sluice.deliver;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.sluice.config.Route;
import dev.sluice.pipeline.Event;
import dev.sluice.pipeline.Ownership;
import dev.sluice.pipeline.Progress;
import dev.sluice.pipeline.RoutePermits;
import dev.sluice.pipeline.Stopping;
import dev.sluice.pipeline.WaitHook;
import io.opentelemetry.api.trace.Span;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.smallrye.mutiny.subscription.UniSubscriber;
import io.smallrye.mutiny.subscription.UniSubscription;
import dev.sluice.outcome.AttemptOutcome;
import dev.sluice.outcome.DeadLetterWriter;
import dev.sluice.outcome.DeadLetterHold;
import dev.sluice.outcome.RecordLog;
import dev.sluice.outcome.DeliveryResult;

/**
 * Delivers one event to one route, retrying and dead-lettering as the route's policy says,
 * against the route's {@link Target} (picked by {@link Targets}); nothing here knows the protocol.
 *
 * <pre>
 *   start --> value check (ValueGate: max-value-bytes, expects; or the route stage's refusal: a filter failed)
 *                 +-- refused --------------------------------> onRefused: dead-letter write, 0 attempts
 *                 |
 *                 |  +------------------ backoff elapsed ----------------------+
 *                 v  v                                                         |
 *             onAttempt(n): permits (route, rate, wire), Target.send, report   |
 *                 |                                                            |
 *                 +-- SUCCESS ----------------------------> DELIVERED           |
 *                 +-- RETRIABLE, n &lt; max-attempts -------> onRetriable: wait --+
 *                 +-- RETRIABLE, n = max-attempts --+
 *                 +-- TERMINAL ---------------------+--> onGiveUp: dead-letter write
 *                                                            +-- acked  --> DEAD_LETTERED
 *                                                            +-- failed --> DeadLetterHold: held unacked, written
 *                                                                           again with backoff --> DEAD_LETTERED
 *                                                                           (drain first: ABANDONED, left unacked)
 * </pre>
 *
 * A refused value never reaches the target and takes no route permit: it is not the target's
 * answer that condemns it, so retrying could not help.
 *
 * When the drain has begun, a first attempt that gets its permit is not started (ABANDONED: the
 * record stays unacked); retries already under way go on until the drain deadline.
 * A route permit is held only while a request is on the wire or about to go (waiting for its rate
 * token): an event waiting for its backoff takes no delivery slot. Each answer is reported to the
 * route's limiter (a latency sample, backpressure, or neither), which an adaptive limit learns from.
 */
@ApplicationScoped
public class Delivery {
    private static final Logger LOG = Logger.getLogger(Delivery.class);

    private final ValueGate gate;
    private final Targets targets;
    private final DeadLetterWriter deadLetters;
    private final DeadLetterHold hold;
    private final DeliveryStats stats;
    private final Stopping stopping;
    private final Progress progress;
    private final DeliveryTracing tracing;
    private final Ownership revocations;

    Delivery(ValueGate gate, Targets targets, DeadLetterWriter deadLetters, DeliveryStats stats, Stopping stopping,
            Progress progress, DeliveryTracing tracing, Ownership revocations, DeadLetterHold hold) {
        this.hold = hold;
        this.revocations = revocations;
        this.gate = gate;
        this.tracing = tracing;
        this.progress = progress;
        this.stopping = stopping;
        this.targets = targets;
        this.deadLetters = deadLetters;
        this.stats = stats;
    }

    /**
     * Runs the state machine above; {@code limit} is the route's limiter (in-flight and rate
     * limits), {@code waits} hears of every wait for one of its permits (first attempt, retries, a
     * held dead letter), so the caller can count the record as waiting. The span and the route's meters see every way the machine ends, cancellation included.
     */
    public Uni<DeliveryResult> deliver(Route route, Event event, RoutePermits limit, WaitHook waits) {
        return run(route, event, limit, waits, null);
    }

    /**
     * Dead-letters the event unsent, as a refused value is: the route stage found it cannot decide
     * whether the route takes it ({@code reason}: a filter that failed on it).
     */
    public Uni<DeliveryResult> refuse(Route route, Event event, String reason, RoutePermits limit, WaitHook waits) {
        return run(route, event, limit, waits, reason);
    }

    /** The route's filters declined the event: counted as filtered, nothing else to do. */
    public Uni<DeliveryResult> filtered(Route route) {
        stats.filtered(route.name());
        return Uni.createFrom().item(DeliveryResult.FILTERED);
    }

    private Uni<DeliveryResult> run(Route route, Event event, RoutePermits limit, WaitHook waits, String refused) {
        return Uni.createFrom().deferred(() -> {
            Span span = tracing.startDelivery(route, event);
            RouteMeters meters = stats.begin(route.name());
            long started = System.nanoTime();
            Uni<Optional<String>> check = refused == null ? gate.refusal(route, event)
                    : Uni.createFrom().item(Optional.of(refused));
            return check
                    .chain(refusal -> refusal.isPresent()
                            ? onRefused(route, event, refusal.get(), limit, waits)
                            : onAttempts(route, event, limit, waits, span, meters))
                    .onTermination().invoke((result, failure, cancelled) -> {
                        // the meters first, and closed whatever the span does: an exception here
                        // would leave the route's meters open for good
                        try {
                            meters.onEnd(result, failure, System.nanoTime() - started, event.timestamp());
                        } finally {
                            stats.end(meters);
                            tracing.endDelivery(span, result, failure);
                        }
                    });
        });
    }

    private Uni<DeliveryResult> onRefused(Route route, Event event, String reason, RoutePermits limit,
            WaitHook waits) {
        return onGiveUp(route, event, AttemptOutcome.terminal(reason), 0, limit, waits);
    }

    /**
     * The attempts, one after another, until one is not to be retried; then what that one says.
     * Each attempt is its own subscription, let go (its request, response and callbacks with it)
     * once it has answered: chaining attempt n + 1 inside attempt n kept all of a record's attempts
     * reachable until its last, and a route retrying up to 1,024 records 100 times each (its retries
     * wait without a route permit) held hundreds of MB of finished requests (TargetBoundIT's app ran
     * out of a 256 MB heap within a minute).
     */
    private Uni<DeliveryResult> onAttempts(Route route, Event event, RoutePermits limit, WaitHook waits, Span span,
            RouteMeters meters) {
        return Uni.createFrom().<Attempts.Last> emitter(emitter -> new Attempts(route, event, limit, waits, span, meters,
                emitter).start())
                .chain(last -> switch (last.outcome().kind()) {
                    case ABANDONED -> Uni.createFrom().item(DeliveryResult.ABANDONED);
                    case SUCCESS -> onSuccess(route);
                    case RETRIABLE, TERMINAL -> onGiveUp(route, event, last.outcome(), last.attempt(), limit, waits);
                });
    }

    /** One record's attempts: at most one subscribed at a time; a cancellation cancels the one under way. */
    private final class Attempts implements UniSubscriber<AttemptOutcome> {
        record Last(AttemptOutcome outcome, int attempt) {
        }

        private final Route route;
        private final Event event;
        private final RoutePermits limit;
        private final WaitHook waits;
        private final Span span;
        private final RouteMeters meters;
        private final UniEmitter<? super Last> done;
        private int attempt;
        private volatile UniSubscription current;
        private volatile boolean cancelled;

        Attempts(Route route, Event event, RoutePermits limit, WaitHook waits, Span span, RouteMeters meters,
                UniEmitter<? super Last> done) {
            this.route = route;
            this.event = event;
            this.limit = limit;
            this.waits = waits;
            this.span = span;
            this.meters = meters;
            this.done = done;
        }

        void start() {
            done.onTermination(() -> {
                cancelled = true;
                UniSubscription s = current;
                if (s != null) {
                    s.cancel();
                }
            });
            attempt = 1;
            onAttempt(route, event, limit, waits, 1, span, meters).subscribe().withSubscriber(this);
        }

        @Override
        public void onSubscribe(UniSubscription subscription) {
            current = subscription;
            if (cancelled) {
                subscription.cancel();
            }
        }

        @Override
        public void onItem(AttemptOutcome outcome) {
            current = null;
            if (outcome.kind() == AttemptOutcome.Kind.RETRIABLE && attempt < route.retry().maxAttempts()) {
                int previous = attempt++;
                onRetriable(route, event, previous, outcome, meters, waits)
                        .chain(() -> onAttempt(route, event, limit, waits, previous + 1, span, meters))
                        .subscribe().withSubscriber(this);
            } else {
                done.complete(new Last(outcome, attempt));
            }
        }

        @Override
        public void onFailure(Throwable failure) {
            current = null;
            done.fail(failure);
        }
    }

    /** One attempt: a route permit and rate token, the request, and its answer reported to the limiter. */
    private Uni<AttemptOutcome> onAttempt(Route route, Event event, RoutePermits limit, WaitHook waits,
            int attempt, Span span, RouteMeters meters) {
        return slot(limit, waits, attempt)
                .chain(permit -> {
                    if (permit == null || (attempt == 1 && (stopping.isStopping() || revocations.revokedSince(event)))) {
                        // the drain began, or the partition went to another owner, before this
                        // record's first request: never started, let it go (unacked)
                        if (permit != null) {
                            permit.release();
                        }
                        return Uni.createFrom().item(AttemptOutcome.abandoned());
                    }
                    Span attemptSpan = tracing.startAttempt(span, route, attempt);
                    long sent = System.nanoTime();
                    return targets.of(route).send(route, event, attemptSpan)
                            .invoke(outcome -> {
                                meters.onAttempt(System.nanoTime() - sent);
                                tracing.endAttempt(attemptSpan, outcome);
                                report(permit, outcome);
                            })
                            .eventually(() -> {
                                progress.moved();
                                permit.release();
                            });
                });
    }

    /**
     * A route permit and rate token; for a first attempt, null if the drain begins first: the
     * limiter refuses the waiter, deciding between grant and refusal under its own lock, so no
     * permit is granted to an attempt that has gone. Retries keep waiting: they are deliveries
     * under way, and the drain lets them finish until its deadline.
     */
    private Uni<RoutePermits.Pass> slot(RoutePermits limit, WaitHook waits, int attempt) {
        return limit.attempt(attempt > 1 ? null : stopping.began(), waits);
    }

    /** What the answer says about the target's capacity; also gives the route permit back. */
    private static void report(RoutePermits.Pass pass, AttemptOutcome outcome) {
        if (outcome.isBackpressure()) {
            pass.onDrop();
        } else if (outcome.isAnswer()) {
            pass.onAnswer();
        } else {
            pass.onIgnore();
        }
    }

    private Uni<DeliveryResult> onSuccess(Route route) {
        return Uni.createFrom().item(DeliveryResult.DELIVERED);
    }

    /**
     * The wait before the attempt after {@code attempt}, as the route's backoff (or the target's
     * Retry-After) says. It counts as a wait for a permit: the record parks (its global in-flight
     * permit goes back for a parking slot) and its partition is held back at
     * max-waiting-per-partition, so a route whose target is down takes its share of the budget, not
     * all of it.
     */
    private Uni<Void> onRetriable(Route route, Event event, int attempt, AttemptOutcome outcome, RouteMeters meters,
            WaitHook waits) {
        Duration delay = route.retry().backoff(attempt, outcome.retryAfter(), ThreadLocalRandom.current()::nextDouble);
        meters.onRetried();
        RecordLog.log(LOG, Logger.Level.DEBUG, null, route, event, "attempt %d: %s, retrying in %d ms", attempt,
                outcome.reason(), delay.toMillis());
        // waiting then doneWaiting once each, whatever cancels the wait and when
        java.util.concurrent.atomic.AtomicBoolean waiting = new java.util.concurrent.atomic.AtomicBoolean();
        return Uni.createFrom().voidItem()
                .invoke(() -> {
                    meters.backoffStarted();
                    if (waiting.compareAndSet(false, true)) {
                        waits.waiting();
                        waits.queued();
                    }
                })
                .onItem().delayIt().by(delay)
                .onTermination().invoke(() -> {
                    if (waiting.compareAndSet(true, false)) {
                        waits.doneWaiting();
                    }
                    meters.backoffEnded();
                });
    }

    /**
     * Writes the dead letter; when that fails the record is held (not acked, not nacked) and the
     * write retried until it succeeds or the drain begins: a nack would fail the whole channel, and
     * acking would lose the record.
     */
    private Uni<DeliveryResult> onGiveUp(Route route, Event event, AttemptOutcome outcome, int attempts, RoutePermits limit,
            WaitHook waits) {
        if (hold.degraded(route)) {
            // its dead-letter topic is known bad: join the held records rather than try a write that
            // may block the dead-letter producer for max.block.ms (the held records' probe finds out)
            return hold.hold(route, event, outcome, attempts, limit, waits, null);
        }
        return deadLetters.write(route, event, outcome, attempts)
                .invoke(() -> {
                    RecordLog.log(LOG, Logger.Level.WARN, null, route, event,
                            "attempts=%d: %s; written to dead-letter topic %s", attempts, outcome.reason(),
                            route.deadLetterTopic());
                })
                .replaceWith(DeliveryResult.DEAD_LETTERED)
                .onFailure().recoverWithUni(t -> hold.hold(route, event, outcome, attempts, limit, waits, t));
    }
}
