package dev.sluice.schedule;

import dev.sluice.pipeline.PartitionShare;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

import dev.sluice.config.Concurrency;
import dev.sluice.config.RateLimit;
import dev.sluice.config.Route;
import dev.sluice.config.SluiceConfig;
import dev.sluice.pipeline.RoutePermits;
import dev.sluice.pipeline.WaitHook;
import io.smallrye.mutiny.Uni;

/**
 * When a route's next attempt may go out: its in-flight limit (fixed at max-in-flight, or moved
 * by an {@link AdaptiveLimit}), its rate limit, and the wire limit all routes share (the global
 * {@code sluice.max-in-flight}, counted in requests). One per route, kept across config snapshots
 * so counts, queues and what the adaptive limit learnt carry over.
 *
 * <pre>
 *   acquire: route permit (InFlightLimit, FIFO) --> rate token (RateLimiter, FIFO, timer-driven)
 *            --> wire permit (shared InFlightLimit, FIFO) --> Pass: send now
 *   answer:  exactly one of Pass.onAnswer (an RTT sample) | onDrop (backpressure) | onIgnore --> permits back
 * </pre>
 *
 * The token is taken right before the wire permit, so the bucket bounds requests sent, not tokens
 * handed out earlier; an attempt waiting for its token holds its route permit, which bounds the
 * waiters by the route's limit. The wire permit comes last and is held only while the request is
 * on the wire: its holders always finish (the route timeout bounds every exchange), so waiting for
 * it never deadlocks, and records waiting for a route permit or behind a lane may give their
 * admission permit back (park) without the requests on the wire ever outnumbering the global
 * limit. An attempt waiting for the route permit itself tells its {@link WaitHook}: the
 * dispatcher counts it as waiting on its partition (held back past max-waiting-per-partition) and
 * parks it, so a saturated route holds its share of the global budget, not all of it.
 */
public final class RouteLimiter implements RoutePermits {
    private final InFlightLimit inFlight;
    private final RateLimiter rate;
    /** Requests on the wire across all routes: shared by every route's limiter. */
    private final InFlightLimit wire;
    private final LongSupplier clock;
    /** Requests of this route on the wire (permits held by attempts that have their token). */
    private final AtomicInteger sending = new AtomicInteger();
    /** Null while the route's concurrency is fixed. */
    private volatile AdaptiveLimit adaptive;
    /** The route's max-in-flight: the limit while fixed. */
    private volatile int fixedLimit;

    /** A route on its own (tests): a wire limit of its own, as large as any route's. */
    public RouteLimiter(Route route, LongSupplier nanoClock, RateLimiter.Timers timers) {
        this(route, nanoClock, timers, wireLimit(SluiceConfig.MAX_IN_FLIGHT_CEILING));
    }

    /** A route of the pipeline: {@code wire} is shared by all routes (see {@link #wireLimit}). */
    public RouteLimiter(Route route, LongSupplier nanoClock, RateLimiter.Timers timers, InFlightLimit wire) {
        this.clock = nanoClock;
        this.wire = wire;
        this.fixedLimit = route.maxInFlight();
        Concurrency c = route.concurrency();
        // waiters hold global permits or parking slots, so what Sluice holds bounds them whatever the config
        this.inFlight = new InFlightLimit(c.adaptive() ? c.adaptiveMin() : route.maxInFlight(),
                SluiceConfig.MAX_HELD);
        if (c.adaptive()) {
            // a new route knows nothing of its target: it starts from its minimum and doubles from there
            adaptive = new AdaptiveLimit(c.adaptiveMin(), c.adaptiveMax(), c.adaptiveMin(), true, clock);
        }
        this.rate = new RateLimiter(route.rateLimit(), SluiceConfig.MAX_HELD, clock, timers);
    }

    /**
     * Follows a new snapshot of the route. A fixed limit is resized in place (shrinking waits for
     * in-flight work, cancelling none); an adaptive one keeps what it learnt and is clamped into
     * new bounds; a route switched to adaptive starts from the limit it had.
     */
    public synchronized void apply(Route route) {
        Concurrency c = route.concurrency();
        fixedLimit = route.maxInFlight();
        if (!c.adaptive()) {
            adaptive = null;
        } else if (adaptive == null) {
            adaptive = new AdaptiveLimit(c.adaptiveMin(), c.adaptiveMax(), inFlight.limit(), false, clock);
        } else {
            adaptive.bounds(c.adaptiveMin(), c.adaptiveMax());
        }
        inFlight.resize(this::target);
        rate.reconfigure(route.rateLimit());
    }

    /** What the in-flight limit should be now: read under its lock, so a stale value never wins a race. */
    private int target() {
        AdaptiveLimit a = adaptive;
        return a != null ? a.limit() : fixedLimit;
    }

    /**
     * As {@link #acquire()}, unless {@code stop} completes first: then null, and nothing is held.
     * For a first attempt, which must not start once the drain has begun. Each stage decides
     * between its grant and the stop under its own lock, and a permit refused its rate token goes
     * back here. (Racing {@code acquire()} against the stop with {@code Uni.combine().any()} lost
     * the pass of a grant that came in the instant the stop won: RouteLimiterStopTest.)
     */
    public Uni<Pass> acquireUnless(Uni<Void> stop) {
        return acquire(stop, WaitHook.NONE);
    }

    /** A route permit, then a rate token; cancelling gives back whatever was taken. */
    public Uni<Pass> acquire() {
        return acquire(null, WaitHook.NONE);
    }

    // a Uni only emits: read as a Uni of the supertype it is safe, and costs no operator per attempt
    @Override
    @SuppressWarnings("unchecked")
    public Uni<RoutePermits.Pass> attempt(Uni<Void> stop, WaitHook waits) {
        return (Uni<RoutePermits.Pass>) (Uni<? extends RoutePermits.Pass>) acquire(stop, waits);
    }

    @Override
    @SuppressWarnings("unchecked")
    public Uni<RoutePermits.Slot> hold(WaitHook waits) {
        return (Uni<RoutePermits.Slot>) (Uni<? extends RoutePermits.Slot>) inFlight.acquire(waits);
    }

    /**
     * The limit on requests on the wire across all routes, {@code limit} to start with. Its
     * waiters each hold a route permit and a record's admission permit or parking slot, so their
     * number is bounded by what Sluice holds; the cap is a hard stop that cannot be reached.
     */
    public static InFlightLimit wireLimit(int limit) {
        return new InFlightLimit(limit, SluiceConfig.MAX_HELD * SluiceConfig.MAX_ROUTES);
    }

    private Uni<Pass> acquire(Uni<Void> stop, WaitHook hook) {
        return inFlight.acquireUnless(stop, hook).onItem().transformToUni(permit -> permit == null
                ? Uni.createFrom().<Pass> nullItem()
                : rate.takeUnless(stop)
                        .onItem().transformToUni(go -> go
                                ? wire.acquireUnless(stop).onItem().transform(w -> w == null ? refused(permit) : new Pass(permit, w))
                                : Uni.createFrom().item(refused(permit)))
                        .onCancellation().invoke(permit::release)
                        .onFailure().invoke(permit::release));
    }

    private static Pass refused(InFlightLimit.Permit permit) {
        permit.release();
        return null;
    }

    /** Requests on the wire across all routes, and their limit (the global max-in-flight). */
    public InFlightLimit wire() {
        return wire;
    }

    /** The current in-flight limit (the adaptive one's latest value when adaptive). */
    public int limit() {
        return inFlight.limit();
    }

    public InFlightLimit inFlightLimit() {
        return inFlight;
    }

    public boolean adaptive() {
        return adaptive != null;
    }

    /**
     * This replica's share of the route's partitions: a group-wide rate limit goes at that part of
     * its rate from now on; a limit per replica ignores it.
     */
    public void share(PartitionShare share) {
        rate.reshare(share);
    }

    /** The share of a group-wide rate limit this replica sends at. */
    public PartitionShare share() {
        return rate.share();
    }

    /** Attempts holding a route permit and waiting for a rate token. */
    public int waitingForRate() {
        return rate.waiting();
    }

    public RateLimit rateLimit() {
        return rate.rate();
    }

    /** Leave to send one request, held until its outcome is reported. */
    public final class Pass implements RoutePermits.Pass {
        private final InFlightLimit.Permit permit;
        private final InFlightLimit.Permit onWire;
        private final long sentAt = clock.getAsLong();
        private final int inFlightAtSend = sending.incrementAndGet();
        private final AtomicBoolean done = new AtomicBoolean();

        private Pass(InFlightLimit.Permit permit, InFlightLimit.Permit onWire) {
            this.permit = permit;
            this.onWire = onWire;
        }

        /** The target answered: the round trip is a sample of its latency. */
        @Override
        public void onAnswer() {
            finish(true, false);
        }

        /** The target pushed back (429, 503, 504, timeout, connection error): the limit backs off. */
        @Override
        public void onDrop() {
            finish(true, true);
        }

        /** An outcome that says nothing about the target's capacity (e.g. a 500). */
        @Override
        public void onIgnore() {
            finish(false, false);
        }

        /** Gives the permit back if no outcome was reported (cancelled, abandoned); idempotent. */
        @Override
        public void release() {
            onIgnore();
        }

        private void finish(boolean sample, boolean dropped) {
            if (!done.compareAndSet(false, true)) {
                return;
            }
            sending.decrementAndGet();
            // the wire first: a record waiting for this route's permit takes a wire permit next
            onWire.release();
            permit.release();
            AdaptiveLimit a = adaptive;
            if (sample && a != null && a.onSample(clock.getAsLong() - sentAt, inFlightAtSend, dropped)) {
                inFlight.resize(RouteLimiter.this::target);
            }
        }
    }
}
