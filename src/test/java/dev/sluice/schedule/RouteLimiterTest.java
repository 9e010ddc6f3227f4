package dev.sluice.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

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

/** A route's permit, then its rate token; outcomes reported back; live changes of mode and rate. */
class RouteLimiterTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    private final AtomicLong clock = new AtomicLong(TimeUnit.HOURS.toNanos(1));
    private final List<Runnable> timers = new ArrayList<>();

    private static Route route(int maxInFlight, Concurrency concurrency, RateLimit rate) {
        return new Route("orders", List.of("orders"), URI.create("http://localhost/x"), maxInFlight, Duration.ofSeconds(1),
                new RetryPolicy(3, Duration.ofMillis(10), Duration.ofMillis(100), 0), "orders.dlq", Expects.ANY,
                Route.DEFAULT_MAX_VALUE_BYTES, Ordering.NONE, concurrency, rate);
    }

    /** A route's limiter, with time gone by so that its rate-limit bucket (which starts empty) is full. */
    private RouteLimiter limiter(Route route) {
        RouteLimiter limiter = new RouteLimiter(route, clock::get, (delay, task) -> timers.add(task));
        clock.addAndGet(TimeUnit.SECONDS.toNanos(1));
        return limiter;
    }

    private static UniAssertSubscriber<Pass> acquire(RouteLimiter limiter) {
        return limiter.acquire().subscribe().withSubscriber(UniAssertSubscriber.create());
    }

    private void fireTimers() {
        List<Runnable> due = new ArrayList<>(timers);
        timers.clear();
        due.forEach(Runnable::run);
    }

    @Test
    void anAttemptWaitingForItsTokenHoldsItsPermit() {
        RouteLimiter limiter = limiter(route(2, Concurrency.fixed(2), new RateLimit(1, 1)));

        UniAssertSubscriber<Pass> first = acquire(limiter);
        UniAssertSubscriber<Pass> second = acquire(limiter);
        UniAssertSubscriber<Pass> third = acquire(limiter);

        first.assertCompleted();
        second.assertNotTerminated();
        third.assertNotTerminated();
        assertEquals(2, limiter.inFlightLimit().inFlight(), "the second holds a permit while it waits for a token");
        assertEquals(1, limiter.waitingForRate());

        clock.addAndGet(1000 * MS);
        fireTimers();
        second.assertCompleted();
        first.getItem().onAnswer();
        third.assertNotTerminated();
        assertEquals(1, limiter.waitingForRate(), "the third got the freed permit and now waits for a token");
    }

    @Test
    void cancellingWhileWaitingForTheTokenGivesThePermitBack() {
        RouteLimiter limiter = limiter(route(4, Concurrency.fixed(4), new RateLimit(1, 1)));
        acquire(limiter).assertCompleted();
        UniAssertSubscriber<Pass> waiting = acquire(limiter);
        assertEquals(2, limiter.inFlightLimit().inFlight());

        waiting.cancel();

        assertEquals(1, limiter.inFlightLimit().inFlight());
        assertEquals(0, limiter.waitingForRate());
    }

    @Test
    void exactlyOneOutcomeGivesThePermitBack() {
        RouteLimiter limiter = limiter(route(1, Concurrency.fixed(1), RateLimit.OFF));
        Pass pass = acquire(limiter).assertCompleted().getItem();

        pass.onAnswer();
        pass.onDrop();
        pass.release();

        assertEquals(0, limiter.inFlightLimit().inFlight());
        acquire(limiter).assertCompleted();
        assertEquals(1, limiter.inFlightLimit().inFlight());
    }

    /** One window of 100 ms: the limit fully used, each request answered after 20 ms (or dropped). */
    private void window(RouteLimiter limiter, boolean drop) {
        int rounds = 5;
        for (int r = 0; r < rounds; r++) {
            List<Pass> passes = new ArrayList<>();
            int l = limiter.limit();
            for (int p = 0; p < l; p++) {
                passes.add(acquire(limiter).assertCompleted().getItem());
            }
            clock.addAndGet(20 * MS);
            passes.forEach(drop ? Pass::onDrop : Pass::onAnswer);
        }
        clock.addAndGet(1);
    }

    @Test
    void anAdaptiveRouteStartsAtItsMinimumAndBacksOffOnDrops() {
        RouteLimiter limiter = limiter(route(64, new Concurrency(Concurrency.Mode.ADAPTIVE, 4, 64), RateLimit.OFF));
        assertTrue(limiter.adaptive());
        assertEquals(4, limiter.limit());

        for (int w = 0; w < 6; w++) {
            window(limiter, false);
        }
        assertEquals(64, limiter.limit(), "startup doubles up to adaptive.max");
        assertEquals(64, limiter.inFlightLimit().limit());

        window(limiter, true);
        assertTrue(limiter.limit() <= 57, "a window of drops takes at least 10 %: " + limiter.limit());
        assertEquals(limiter.limit(), limiter.inFlightLimit().limit());
    }

    @Test
    void switchingModesLiveKeepsOrRestoresTheLimit() {
        RouteLimiter limiter = limiter(route(16, Concurrency.fixed(16), RateLimit.OFF));

        limiter.apply(route(16, new Concurrency(Concurrency.Mode.ADAPTIVE, 1, 100), RateLimit.OFF));
        assertTrue(limiter.adaptive());
        assertEquals(16, limiter.limit(), "adaptive starts from the limit the route had");

        limiter.apply(route(16, new Concurrency(Concurrency.Mode.ADAPTIVE, 1, 8), RateLimit.OFF));
        assertEquals(8, limiter.limit(), "clamped into new bounds at once");

        limiter.apply(route(24, Concurrency.fixed(24), RateLimit.OFF));
        assertFalse(limiter.adaptive());
        assertEquals(24, limiter.limit(), "fixed again: max-in-flight");
    }

    @Test
    void aRateLimitSetLiveAppliesToTheNextAttempts() {
        RouteLimiter limiter = limiter(route(8, Concurrency.fixed(8), RateLimit.OFF));
        for (int i = 0; i < 5; i++) {
            acquire(limiter).assertCompleted().getItem().onAnswer();
        }

        limiter.apply(route(8, Concurrency.fixed(8), new RateLimit(10, 2)));
        UniAssertSubscriber<Pass> first = acquire(limiter);
        first.assertNotTerminated(); // the bucket starts empty
        clock.addAndGet(TimeUnit.SECONDS.toNanos(1));
        fireTimers();
        first.assertCompleted();
        acquire(limiter).assertNotTerminated(); // tokens do not pile up while someone waits
        assertEquals(1, limiter.waitingForRate());
        assertEquals(new RateLimit(10, 2), limiter.rateLimit());

        limiter.apply(route(8, Concurrency.fixed(8), RateLimit.OFF));
        assertEquals(0, limiter.waitingForRate(), "turned off: the waiter goes");
    }

    /**
     * The wire limit all routes share bounds requests on the wire whatever the routes' own
     * limits: two routes of 4 under a wire limit of 5 get 5 passes, the sixth waits holding its
     * route permit and goes out when any request of either route ends; a stop refuses it and gives
     * its route permit back.
     */
    @Test
    void theSharedWireLimitBoundsRequestsAcrossRoutes() {
        InFlightLimit wire = RouteLimiter.wireLimit(5);
        RouteLimiter a = new RouteLimiter(route(4, Concurrency.fixed(4), RateLimit.OFF), clock::get, (d, t) -> timers.add(t), wire);
        RouteLimiter b = new RouteLimiter(route(4, Concurrency.fixed(4), RateLimit.OFF), clock::get, (d, t) -> timers.add(t), wire);
        List<UniAssertSubscriber<Pass>> passes = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            passes.add(acquire(a));
            passes.add(acquire(b));
        }
        passes.subList(0, 5).forEach(UniAssertSubscriber::assertCompleted);
        UniAssertSubscriber<Pass> sixth = passes.get(5);
        sixth.assertNotTerminated();
        assertEquals(5, wire.inFlight());
        assertEquals(3, b.inFlightLimit().inFlight(), "the sixth holds its route permit while it waits for the wire");

        passes.get(0).getItem().onAnswer(); // a request of route a ends: b's waiter goes
        sixth.assertCompleted();
        assertEquals(5, wire.inFlight());
        assertEquals(2, a.inFlightLimit().inFlight());

        CompletableFuture<Void> stop = new CompletableFuture<>();
        UniAssertSubscriber<Pass> refused = a.acquireUnless(Uni.createFrom().completionStage(stop))
                .subscribe().withSubscriber(UniAssertSubscriber.create());
        refused.assertNotTerminated();
        assertEquals(3, a.inFlightLimit().inFlight());
        stop.complete(null);
        refused.assertCompleted().assertItem(null);
        assertEquals(2, a.inFlightLimit().inFlight(), "refused at the wire: its route permit went back");
        assertEquals(5, wire.inFlight());
    }
}
