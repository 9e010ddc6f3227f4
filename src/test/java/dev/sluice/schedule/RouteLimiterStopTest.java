package dev.sluice.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.sluice.config.Concurrency;
import dev.sluice.config.Expects;
import dev.sluice.config.Ordering;
import dev.sluice.config.RateLimit;
import dev.sluice.config.RetryPolicy;
import dev.sluice.config.Route;
import dev.sluice.schedule.RouteLimiter.Pass;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.helpers.test.UniAssertSubscriber;
import io.smallrye.mutiny.subscription.UniEmitter;

/**
 * A first attempt waits for its pass unless the drain begins ({@link RouteLimiter#acquireUnless}):
 * it gets a pass or a refusal, never both and never neither, whatever the interleaving of the
 * grant and the stop. A pass nobody holds would be a route permit gone for good.
 */
class RouteLimiterStopTest {
    private final AtomicLong clock = new AtomicLong(TimeUnit.HOURS.toNanos(1));
    private final List<Runnable> timers = new ArrayList<>();
    private final ExecutorService threads = Executors.newFixedThreadPool(2);

    @AfterEach
    void stopThreads() {
        threads.shutdownNow();
    }

    /** A one-shot stop signal: completes its waiters in the order they came, later ones at once. */
    static final class Signal {
        private final List<UniEmitter<? super Void>> waiting = new ArrayList<>();
        private boolean fired;

        Uni<Void> began() {
            return Uni.createFrom().emitter(emitter -> {
                synchronized (this) {
                    if (!fired) {
                        waiting.add(emitter);
                        emitter.onTermination(() -> leave(emitter));
                        return;
                    }
                }
                emitter.complete(null);
            });
        }

        private synchronized void leave(UniEmitter<? super Void> emitter) {
            waiting.remove(emitter);
        }

        synchronized int waiting() {
            return waiting.size();
        }

        void fire() {
            List<UniEmitter<? super Void>> all;
            synchronized (this) {
                fired = true;
                all = new ArrayList<>(waiting);
                waiting.clear();
            }
            all.forEach(e -> e.complete(null));
        }
    }

    private static Route route(int maxInFlight, RateLimit rate) {
        return new Route("orders", List.of("orders"), URI.create("http://localhost/x"), maxInFlight, Duration.ofSeconds(1),
                new RetryPolicy(3, Duration.ofMillis(10), Duration.ofMillis(100), 0), "orders.dlq", Expects.ANY,
                Route.DEFAULT_MAX_VALUE_BYTES, Ordering.NONE, Concurrency.fixed(maxInFlight), rate);
    }

    private RouteLimiter limiter(Route route) {
        RouteLimiter limiter = new RouteLimiter(route, clock::get, (delay, task) -> timers.add(task));
        // a rate-limit bucket starts empty: let it fill
        clock.addAndGet(TimeUnit.SECONDS.toNanos(1));
        return limiter;
    }

    private static UniAssertSubscriber<Pass> unlessStopped(RouteLimiter limiter, Signal stop) {
        return limiter.acquireUnless(stop.began()).subscribe().withSubscriber(UniAssertSubscriber.create());
    }

    private static Pass pass(RouteLimiter limiter) {
        return limiter.acquire().subscribe().withSubscriber(UniAssertSubscriber.create()).assertCompleted().getItem();
    }

    /**
     * The race itself: every waiter's permit is freed on one thread while the stop fires on
     * another, both let go at the same barrier, many times over. Each waiter must end with a
     * pass (and the permit counted) or a refusal (and nothing counted).
     */
    @Test
    void aPassGrantedInTheInstantTheStopBeginsIsNeverLost() throws Exception {
        race("permits freed", RateLimit.OFF, (limiter, held) -> held.forEach(Pass::onAnswer));
    }

    /** As above, with the waiters holding their permits and waiting for rate tokens, all let go at once. */
    @Test
    void aTokenGrantedInTheInstantTheStopBeginsIsNeverLost() throws Exception {
        race("rate limit lifted", new RateLimit(1, 1), (limiter, held) -> limiter.apply(route(2 * WAITERS, RateLimit.OFF)));
    }

    private static final int WAITERS = 32;
    private static final int ROUNDS = 500;

    /** How the race's grants come: on the route's limiter, given the passes taken before the waiters came. */
    private interface Grants {
        void grantAll(RouteLimiter limiter, List<Pass> held);
    }

    private void race(String grants, RateLimit rate, Grants grantAll) throws Exception {
        int leaked = 0;
        int granted = 0;
        for (int round = 0; round < ROUNDS; round++) {
            // with a rate limit, one pass takes the only token: the waiters get permits and queue for tokens.
            // Without, passes hold every permit: the waiters queue for permits.
            int permits = rate.enabled() ? 2 * WAITERS : WAITERS;
            RouteLimiter limiter = limiter(route(permits, rate));
            List<Pass> held = new ArrayList<>();
            for (int i = 0; i < (rate.enabled() ? 1 : WAITERS); i++) {
                held.add(pass(limiter));
            }
            Signal stop = new Signal();
            List<UniAssertSubscriber<Pass>> slots = new ArrayList<>();
            for (int i = 0; i < WAITERS; i++) {
                slots.add(unlessStopped(limiter, stop).assertNotTerminated());
            }
            CyclicBarrier together = new CyclicBarrier(2);
            Future<?> granting = threads.submit(() -> {
                together.await();
                grantAll.grantAll(limiter, held);
                return null;
            });
            Future<?> stopping = threads.submit(() -> {
                together.await();
                stop.fire();
                return null;
            });
            granting.get(10, TimeUnit.SECONDS);
            stopping.get(10, TimeUnit.SECONDS);

            held.forEach(Pass::onAnswer);
            int passes = 0;
            for (UniAssertSubscriber<Pass> slot : slots) {
                Pass p = slot.assertCompleted().getItem();
                if (p != null) {
                    passes++;
                    p.onAnswer();
                }
            }
            granted += passes;
            leaked += limiter.inFlightLimit().inFlight();
            assertEquals(0, limiter.waitingForRate());
            assertEquals(0, stop.waiting());
        }
        System.out.printf("race (%s vs stop): %d waiters x %d rounds, %d granted, %d permits held by nobody%n", grants,
                WAITERS, ROUNDS, granted, leaked);
        assertEquals(0, leaked, "permits held by nobody after " + ROUNDS + " races (" + granted + " granted)");
    }

    @Test
    void aStopBeforeThePermitIsFreeRefusesAndHoldsNothing() {
        RouteLimiter limiter = limiter(route(1, RateLimit.OFF));
        Pass held = pass(limiter);
        Signal stop = new Signal();
        UniAssertSubscriber<Pass> slot = unlessStopped(limiter, stop);

        stop.fire();
        held.onAnswer();

        assertNull(slot.assertCompleted().getItem());
        assertEquals(0, limiter.inFlightLimit().inFlight());
        assertNotNull(pass(limiter), "the freed permit is there for the next one");
    }

    @Test
    void aPermitFreedBeforeTheStopIsHandedOver() {
        RouteLimiter limiter = limiter(route(1, RateLimit.OFF));
        Pass held = pass(limiter);
        Signal stop = new Signal();
        UniAssertSubscriber<Pass> slot = unlessStopped(limiter, stop);

        held.onAnswer();
        stop.fire();

        assertNotNull(slot.assertCompleted().getItem());
        assertEquals(1, limiter.inFlightLimit().inFlight(), "the waiter holds it");
        assertEquals(0, stop.waiting(), "a granted waiter stops watching for the drain");
    }

    @Test
    void aStopWhileWaitingForTheRateTokenGivesThePermitBack() {
        RouteLimiter limiter = limiter(route(4, new RateLimit(1, 1)));
        pass(limiter); // takes the only token
        Signal stop = new Signal();
        UniAssertSubscriber<Pass> slot = unlessStopped(limiter, stop);
        assertEquals(1, limiter.waitingForRate());
        assertEquals(2, limiter.inFlightLimit().inFlight());

        stop.fire();

        assertNull(slot.assertCompleted().getItem());
        assertEquals(0, limiter.waitingForRate());
        assertEquals(1, limiter.inFlightLimit().inFlight(), "only the first pass is held");
    }

    @Test
    void aStopThatHasBegunRefusesAWaiterAtOnce() {
        RouteLimiter limiter = limiter(route(1, RateLimit.OFF));
        Pass held = pass(limiter);
        Signal stop = new Signal();
        stop.fire();

        assertNull(unlessStopped(limiter, stop).assertCompleted().getItem());
        held.onAnswer();
        assertEquals(0, limiter.inFlightLimit().inFlight());
    }

    @Test
    void waitersThatGetTheirPassLeaveNoStopWatchBehind() {
        RouteLimiter limiter = limiter(route(1, RateLimit.OFF));
        Signal stop = new Signal();
        for (int i = 0; i < 1_000; i++) {
            Pass held = pass(limiter);
            UniAssertSubscriber<Pass> slot = unlessStopped(limiter, stop);
            held.onAnswer();
            slot.assertCompleted().getItem().onAnswer();
        }
        assertEquals(0, stop.waiting(), "every delivered record would leave a waiter on the drain signal");
    }

    @Test
    void cancellingAWaiterGivesUpItsPlaceAndItsStopWatch() {
        RouteLimiter limiter = limiter(route(1, RateLimit.OFF));
        Pass held = pass(limiter);
        Signal stop = new Signal();
        UniAssertSubscriber<Pass> slot = unlessStopped(limiter, stop);

        slot.cancel();
        held.onAnswer();

        assertEquals(0, limiter.inFlightLimit().inFlight());
        assertEquals(0, stop.waiting());
    }
}
