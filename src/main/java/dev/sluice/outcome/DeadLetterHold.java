package dev.sluice.outcome;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.sluice.config.CurrentConfig;
import dev.sluice.config.Route;
import dev.sluice.config.SluiceSettings;
import dev.sluice.pipeline.Event;
import dev.sluice.pipeline.Progress;
import dev.sluice.pipeline.RoutePermits;
import dev.sluice.pipeline.Stopping;
import dev.sluice.pipeline.WaitHook;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.core.Vertx;

/**
 * A record whose dead-letter write failed is held: never acked, holding a route permit (so the
 * route's in-flight limit bounds how many are held), written again with exponential backoff up to
 * {@code sluice.dead-letter.retry-max-backoff} until the write succeeds, for as long as it takes: a
 * missing topic comes back only when an operator creates it, and a restart would not help.
 *
 * <pre>
 *   hold: route permit --> WAITING --timer (backoff) / woken--> route degraded and another record probing?
 *                            ^                                     +-- yes -------------------------+--> WAITING
 *                            |                                     +-- no: WRITING (current dead-letter topic of the route)
 *                            |                                                +-- written --> DEAD_LETTERED, wake the route's other held records
 *                            +---- backoff doubled <------------------------ +-- failed
 *   drain begins: WAITING --> ABANDONED (left unacked: the next owner of the partition gets it); WRITING ends as its write does
 * </pre>
 *
 * While a route is degraded only one of its held records writes at a time (the probe): a write to a
 * missing topic blocks the dead-letter producer's only sending thread for up to its
 * {@code max.block.ms}, so a write per held record would stall every route's dead letters. When the
 * probe is written, the others are woken and written at once; a config change that gives the route
 * another dead-letter topic wakes them too, as each try uses the route's current topic.
 */
@ApplicationScoped
public class DeadLetterHold {
    private static final Logger LOG = Logger.getLogger(DeadLetterHold.class);

    private final DeadLetterWriter writer;
    private final DeadLetterState state;
    private final CurrentConfig config;
    private final Stopping stopping;
    private final Progress progress;
    private final Vertx vertx;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    /** Held records by route, bounded by the route permits they hold; the probing routes. */
    private final HeldRecords<Held> held = new HeldRecords<>();

    DeadLetterHold(DeadLetterWriter writer, DeadLetterState state, CurrentConfig config, Stopping stopping,
            Progress progress, Vertx vertx, SluiceSettings settings) {
        this.writer = writer;
        this.state = state;
        this.config = config;
        this.stopping = stopping;
        this.progress = progress;
        this.vertx = vertx;
        this.initialBackoff = settings.deadLetter().retryInitialBackoff();
        this.maxBackoff = settings.deadLetter().retryMaxBackoff();
        if (initialBackoff.toMillis() < 1 || maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("sluice.dead-letter.retry-initial-backoff (" + initialBackoff
                    + ") must be at least 1 ms and not above sluice.dead-letter.retry-max-backoff (" + maxBackoff + ")");
        }
        stopping.began().subscribe().with(v -> held.forEach(null, Held::onDrain));
        // a new snapshot may give a held record's route another dead-letter topic
        config.changes().subscribe().with(v -> held.forEach(null, Held::onConfigChange));
    }

    /** True while the route cannot write its dead letters (a failed write, or its topic failed the check). */
    public boolean degraded(Route route) {
        return state.isDegraded(route.name());
    }

    /**
     * Holds a record whose dead-letter write just failed with {@code failure} (null: not tried, the
     * route is {@link #degraded}); completes with DEAD_LETTERED once it is written, ABANDONED if the
     * drain begins first. Never fails.
     */
    public Uni<DeliveryResult> hold(Route route, Event event, AttemptOutcome last, int attempts, RoutePermits limit,
            WaitHook waits, Throwable failure) {
        if (failure != null) {
            state.writeFailed(route.name(), route.deadLetterTopic(), reason(failure));
        }
        RecordLog.log(LOG, Logger.Level.ERROR, null, route, event, "dead letter not written to %s (%s); the record is "
                + "held unacked and written again with backoff until the topic takes it", route.deadLetterTopic(),
                failure != null ? failure : "route degraded: " + reasonOf(route));
        return limit.hold(waits).chain(permit -> Uni.createFrom().<DeliveryResult> emitter(em -> {
            Held h = new Held(route, event, last, attempts, permit, em);
            em.onTermination(h::onTerminated);
            h.start();
        }));
    }

    /**
     * What a failed write says, for people: the connector wraps Kafka's own error ("Topic x not
     * present in metadata after 1000 ms", UNKNOWN_TOPIC_OR_PARTITION) in "Retries exhausted".
     */
    static String reason(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == failure ? String.valueOf(failure.getMessage())
                : root.getClass().getSimpleName() + ": " + root.getMessage();
    }

    private String reasonOf(Route route) {
        DeadLetterState.Degradation d = state.degradation(route.name());
        return d == null ? "healed meanwhile" : d.reason();
    }

    /** The route as the config in force has it (its dead-letter topic may have changed), else as it was. */
    private Route current(Route route) {
        for (Route r : config.get().routes()) {
            if (r.name().equals(route.name())) {
                return r;
            }
        }
        return route;
    }

    private long delayMs(int failures) {
        long initial = initialBackoff.toMillis();
        long max = maxBackoff.toMillis();
        // no jitter: while the route is degraded only one record writes at a time anyway
        return failures >= 31 ? max : Math.min(max, initial << Math.max(0, failures - 1));
    }

    /** One held record; its transitions are synchronized on itself, so a timer and a wake never race. */
    private final class Held {
        private final Route route;
        private final Event event;
        private final AttemptOutcome last;
        private final int attempts;
        private final RoutePermits.Slot permit;
        private final UniEmitter<? super DeliveryResult> done;
        private int failures = 1;
        private long timer = -1;
        private boolean writing;
        private boolean finished;
        private String lastTopic;

        Held(Route route, Event event, AttemptOutcome last, int attempts, RoutePermits.Slot permit,
                UniEmitter<? super DeliveryResult> done) {
            this.route = route;
            this.event = event;
            this.last = last;
            this.attempts = attempts;
            this.permit = permit;
            this.done = done;
            this.lastTopic = route.deadLetterTopic();
        }

        void start() {
            held.add(route.name(), this);
            state.held(route.name(), 1);
            if (stopping.isStopping()) {
                finish(DeliveryResult.ABANDONED);
            } else {
                awaitRetry(false);
            }
        }

        /** Arms the timer: after the backoff, or at once ({@code soon}); nothing if finished or writing. */
        private synchronized void awaitRetry(boolean soon) {
            if (finished || writing) {
                return;
            }
            vertx.cancelTimer(timer);
            // the handler gets the timer's id, so a timer replaced before it fired is recognised
            timer = vertx.setTimer(soon ? 1 : delayMs(failures), this::onTimer);
        }

        /** Woken before its timer: the route's probe was written, or the route's topic changed. */
        void wakeSoon() {
            awaitRetry(true);
        }

        private void onTimer(long id) {
            Route target = current(route);
            boolean probe;
            synchronized (this) {
                if (finished || writing || id != timer) {
                    return; // a stale timer: replaced after it fired
                }
                timer = -1;
                probe = !stopping.isStopping() && state.isDegraded(route.name());
                if (probe && !held.startProbe(route.name())) {
                    // another record of the route is finding out; its outcome wakes this one
                    timer = vertx.setTimer(delayMs(failures), this::onTimer);
                    return;
                }
                writing = !stopping.isStopping();
                lastTopic = target.deadLetterTopic();
            }
            if (!writing) {
                finish(DeliveryResult.ABANDONED);
                return;
            }
            progress.moved();
            writer.write(target, event, last, attempts).subscribe().with(
                    ok -> onWritten(target, probe),
                    failure -> onWriteFailed(target, probe, failure));
        }

        private void onWritten(Route target, boolean probe) {
            progress.moved();
            if (probe) {
                held.endProbe(route.name());
            }
            state.written(route.name());
            RecordLog.log(LOG, Logger.Level.WARN, null, route, event,
                    "held record written to dead-letter topic %s at try %d", target.deadLetterTopic(), failures + 1);
            finish(DeliveryResult.DEAD_LETTERED);
            held.forEach(route.name(), Held::wakeSoon);
        }

        private void onWriteFailed(Route target, boolean probe, Throwable failure) {
            progress.moved();
            if (probe) {
                held.endProbe(route.name());
            }
            state.writeFailed(route.name(), target.deadLetterTopic(), reason(failure));
            RecordLog.log(LOG, Logger.Level.DEBUG, null, route, event, "dead-letter write %d to %s failed: %s", failures + 1,
                    target.deadLetterTopic(), failure);
            synchronized (this) {
                writing = false;
                failures++;
            }
            if (stopping.isStopping()) {
                finish(DeliveryResult.ABANDONED);
            } else {
                awaitRetry(false);
            }
        }

        void onDrain() {
            boolean idle;
            synchronized (this) {
                idle = !writing;
            }
            if (idle) {
                finish(DeliveryResult.ABANDONED);
            }
        }

        void onConfigChange() {
            String topic;
            synchronized (this) {
                topic = lastTopic;
            }
            if (!current(route).deadLetterTopic().equals(topic)) {
                wakeSoon();
            }
        }

        /** Ends the hold exactly once: the route permit goes back, then the delivery completes (outside the lock). */
        private void finish(DeliveryResult result) {
            if (!end()) {
                return;
            }
            if (result == DeliveryResult.ABANDONED) {
                RecordLog.log(LOG, Logger.Level.WARN, null, route, event, "held record left unacked at shutdown: "
                        + "not committed, so the next owner of the partition delivers it again");
            }
            done.complete(result);
        }

        /** The delivery was cancelled from outside (or has completed): the permit goes back if still held. */
        void onTerminated() {
            end();
        }

        /** Marks the hold finished and releases what it holds; false if it was already. */
        private boolean end() {
            synchronized (this) {
                if (finished) {
                    return false;
                }
                finished = true;
                vertx.cancelTimer(timer);
            }
            release();
            return true;
        }

        private void release() {
            held.remove(route.name(), this);
            state.held(route.name(), -1);
            permit.release();
        }
    }
}
