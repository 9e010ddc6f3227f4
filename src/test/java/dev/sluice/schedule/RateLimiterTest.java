package dev.sluice.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import dev.sluice.config.RateLimit;
import io.smallrye.mutiny.helpers.test.UniAssertSubscriber;

/** The rate limiter's waiting and waking, on a manual clock with manual timers. */
class RateLimiterTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    private final AtomicLong clock = new AtomicLong(TimeUnit.HOURS.toNanos(1));
    private final PriorityQueue<Timer> timers = new PriorityQueue<>(Comparator.comparingLong(Timer::due));

    private record Timer(long due, Runnable task) {
    }

    /** A limiter whose bucket has filled up (it starts empty). */
    private RateLimiter limiter(int perSecond, int burst) {
        RateLimiter limiter = new RateLimiter(new RateLimit(perSecond, burst), 100,
                clock::get, (delay, task) -> timers.add(new Timer(clock.get() + delay, task)));
        clock.addAndGet(TimeUnit.SECONDS.toNanos(Math.max(1, burst)));
        return limiter;
    }

    /** Moves the clock on, running each timer at its due time. */
    private void advance(long nanos) {
        long end = clock.get() + nanos;
        while (!timers.isEmpty() && timers.peek().due() <= end) {
            Timer t = timers.poll();
            clock.set(Math.max(clock.get(), t.due()));
            t.task().run();
        }
        clock.set(end);
    }

    private static UniAssertSubscriber<Void> take(RateLimiter limiter) {
        return limiter.take().subscribe().withSubscriber(UniAssertSubscriber.create());
    }

    @Test
    void theBurstGoesAtOnceThenOneAttemptPerIntervalInArrivalOrder() {
        RateLimiter limiter = limiter(50, 2);
        List<UniAssertSubscriber<Void>> takes = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            takes.add(take(limiter));
        }
        takes.get(0).assertCompleted();
        takes.get(1).assertCompleted();
        takes.get(2).assertNotTerminated();
        assertEquals(3, limiter.waiting());
        assertEquals(1, timers.size(), "one timer for the queue, not one per waiter");

        advance(19 * MS);
        takes.get(2).assertNotTerminated();
        advance(MS);
        takes.get(2).assertCompleted();
        takes.get(3).assertNotTerminated();
        advance(20 * MS);
        takes.get(3).assertCompleted();
        takes.get(4).assertNotTerminated();
        advance(20 * MS);
        takes.get(4).assertCompleted();
        assertEquals(0, limiter.waiting());
        assertTrue(timers.isEmpty(), "no timer once nobody waits");
    }

    @Test
    void aTimerThatFiresLateDoesNotTurnTheWaitIntoABurst() {
        RateLimiter limiter = limiter(50, 10);
        List<UniAssertSubscriber<Void>> takes = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            takes.add(take(limiter));
        }
        assertEquals(20, limiter.waiting(), "10 went at once: the burst after a quiet spell");

        clock.addAndGet(500 * MS); // the timer, due in 20 ms, runs half a second late
        advance(0);
        assertEquals(19, limiter.waiting(), "one token's worth, not the 10 that piled up");
        advance(20 * MS);
        assertEquals(18, limiter.waiting(), "then the rate again");
    }

    @Test
    void aNewcomerDoesNotOvertakeTheQueueWhenATokenAppears() {
        RateLimiter limiter = limiter(10, 1);
        take(limiter).assertCompleted();
        UniAssertSubscriber<Void> first = take(limiter);
        clock.addAndGet(100 * MS); // a token is due, but its timer has not run yet
        UniAssertSubscriber<Void> second = take(limiter);

        second.assertNotTerminated();
        advance(0);
        first.assertCompleted();
        second.assertNotTerminated();
    }

    @Test
    void offLetsEverythingThroughAndTurningItOffReleasesTheWaiters() {
        RateLimiter off = limiter(0, 0);
        for (int i = 0; i < 1000; i++) {
            take(off).assertCompleted();
        }

        RateLimiter limiter = limiter(1, 1);
        take(limiter).assertCompleted();
        UniAssertSubscriber<Void> a = take(limiter);
        UniAssertSubscriber<Void> b = take(limiter);
        limiter.reconfigure(RateLimit.OFF);
        a.assertCompleted();
        b.assertCompleted();
        take(limiter).assertCompleted();
    }

    @Test
    void aFasterRateWakesTheQueueSooner() {
        RateLimiter limiter = limiter(1, 1);
        take(limiter).assertCompleted();
        UniAssertSubscriber<Void> waiting = take(limiter);

        limiter.reconfigure(new RateLimit(100, 1));
        advance(10 * MS);

        waiting.assertCompleted();
    }

    @Test
    void turningTheLimitOnStartsWithAnEmptyBucket() {
        RateLimiter limiter = limiter(0, 0);
        limiter.reconfigure(new RateLimit(5, 3));

        UniAssertSubscriber<Void> first = take(limiter);
        first.assertNotTerminated();
        advance(200 * MS);
        first.assertCompleted();
        advance(TimeUnit.SECONDS.toNanos(1));
        for (int i = 0; i < 3; i++) {
            take(limiter).assertCompleted();
        }
        take(limiter).assertNotTerminated();
    }

    @Test
    void aCancelledWaiterLeavesTheQueue() {
        RateLimiter limiter = limiter(10, 1);
        take(limiter).assertCompleted();
        UniAssertSubscriber<Void> gone = take(limiter);
        UniAssertSubscriber<Void> next = take(limiter);

        gone.cancel();
        assertEquals(1, limiter.waiting());
        advance(100 * MS);

        next.assertCompleted();
        gone.assertNotTerminated();
    }

    @Test
    void refusesWaitersBeyondItsBound() {
        RateLimiter limiter = new RateLimiter(new RateLimit(1, 1), 2, clock::get, (delay, task) -> {
        });
        clock.addAndGet(TimeUnit.SECONDS.toNanos(1));
        take(limiter).assertCompleted();
        take(limiter).assertNotTerminated();
        take(limiter).assertNotTerminated();

        take(limiter).assertFailedWith(IllegalStateException.class);
    }
}
