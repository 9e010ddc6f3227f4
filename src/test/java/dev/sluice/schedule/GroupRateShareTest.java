package dev.sluice.schedule;

import dev.sluice.pipeline.PartitionShare;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import dev.sluice.config.RateLimit;
import io.smallrye.mutiny.helpers.test.UniAssertSubscriber;

/**
 * A group-wide rate limit split by the partitions each replica holds: the shares of a group add up
 * to at most the configured rate, a rebalance changes a replica's rate at once, and a limit per
 * replica ignores the share. On a manual clock with manual timers.
 */
class GroupRateShareTest {
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    private final AtomicLong clock = new AtomicLong(TimeUnit.HOURS.toNanos(1));
    private final PriorityQueue<Timer> timers = new PriorityQueue<>(Comparator.comparingLong(Timer::due));

    private record Timer(long due, Runnable task) {
    }

    private RateLimiter limiter(RateLimit rate, PartitionShare share) {
        RateLimiter limiter = new RateLimiter(rate, 10_000, clock::get,
                (delay, task) -> timers.add(new Timer(clock.get() + delay, task)));
        limiter.reshare(share);
        return limiter;
    }

    private void advance(long nanos) {
        long end = clock.get() + nanos;
        while (!timers.isEmpty() && timers.peek().due() <= end) {
            Timer t = timers.poll();
            clock.set(Math.max(clock.get(), t.due()));
            t.task().run();
        }
        clock.set(end);
    }

    /** Queues {@code n} takes and counts those granted. */
    private static AtomicInteger queue(RateLimiter limiter, int n) {
        AtomicInteger granted = new AtomicInteger();
        for (int i = 0; i < n; i++) {
            limiter.take().subscribe().with(v -> granted.incrementAndGet());
        }
        return granted;
    }

    @Test
    void replicasHoldingAllPartitionsBetweenThemSendAtMostTheRateTogether() {
        // 100/s over 7 partitions held 3 + 2 + 2: shares of 42.857.., 28.571.., 28.571.. a second
        RateLimit rate = new RateLimit(100, 10, RateLimit.Scope.GROUP);
        List<RateLimiter> replicas = List.of(limiter(rate, new PartitionShare(3, 7)),
                limiter(rate, new PartitionShare(2, 7)), limiter(rate, new PartitionShare(2, 7)));
        List<AtomicInteger> granted = new ArrayList<>();
        replicas.forEach(r -> granted.add(queue(r, 5_000)));

        advance(30 * SECOND);

        int total = granted.stream().mapToInt(AtomicInteger::get).sum();
        // a bucket starts empty, so 30 s of each share and no burst: 3000 at most, 2999 after rounding down
        assertTrue(total <= 3000 && total >= 2990, "the group together sent " + total + " in 30 s at 100/s");
        assertEquals(3 * 30 * 100 / 7, granted.get(0).get(), 1, "the replica with 3 of 7 partitions sent 3/7 of it");
        assertEquals(2 * 30 * 100 / 7, granted.get(1).get(), 1);
    }

    @Test
    void aRebalanceChangesTheRateAtOnce() {
        RateLimit rate = new RateLimit(100, 1, RateLimit.Scope.GROUP);
        RateLimiter limiter = limiter(rate, new PartitionShare(1, 4));
        AtomicInteger granted = queue(limiter, 1_000);

        advance(4 * SECOND);
        assertEquals(100, granted.get(), 1, "a quarter of the partitions: 25/s");

        // the other replica left: all four partitions are here now
        limiter.reshare(new PartitionShare(4, 4));
        advance(2 * SECOND);
        assertEquals(300, granted.get(), 2, "all of them: 100/s from the rebalance on");
        assertEquals(new PartitionShare(4, 4), limiter.share());
    }

    @Test
    void aLimitPerReplicaIgnoresTheShare() {
        RateLimiter limiter = limiter(new RateLimit(100, 1), new PartitionShare(1, 4));
        AtomicInteger granted = queue(limiter, 1_000);

        advance(2 * SECOND);

        assertEquals(200, granted.get(), 1, "each replica sends the whole rate with scope=replica");
    }

    @Test
    void aReplicaHoldingNoneOfThePartitionsFinishesAtTheShareOfOne() {
        RateLimiter limiter = limiter(new RateLimit(100, 1, RateLimit.Scope.GROUP), new PartitionShare(0, 4));
        AtomicInteger granted = queue(limiter, 1_000);

        advance(4 * SECOND);

        assertEquals(100, granted.get(), 1);
    }

    @Test
    void theShareOfARouteSumsItsTopicsAndFollowsEachAssignment() {
        GroupShares shares = new GroupShares();
        AtomicInteger changes = new AtomicInteger();
        shares.onChange(changes::incrementAndGet);

        shares.assignment(Map.of("orders", 2, "refunds", 1), Map.of("orders", 4, "refunds", 2, "other", 6));
        assertEquals(new PartitionShare(3, 6), shares.of(List.of("orders", "refunds")));
        assertEquals(new PartitionShare(0, 6), shares.of(List.of("other")));

        // a rebalance that could not read a count keeps the last one known
        shares.assignment(Map.of("orders", 4), Map.of("orders", 4));
        assertEquals(new PartitionShare(4, 6), shares.of(List.of("orders", "refunds")));
        assertEquals(2, changes.get(), "the dispatcher is told of each assignment");
    }

    @Test
    void sharesOfAGroupNeverAddUpToMoreThanTheRateOrLessThanOneTokenOfBurst() {
        RateLimit rate = new RateLimit(10, 3, RateLimit.Scope.GROUP);
        long milli = 0;
        for (int held : new int[] {1, 1, 1}) {
            PartitionShare s = new PartitionShare(held, 3);
            milli += s.milliPerSecond(rate);
            assertEquals(1000, s.milliBurst(rate), "a third of a burst of 3");
        }
        assertTrue(milli <= 10_000, "thirds of 10/s round down: " + milli);
        assertEquals(3.33, new PartitionShare(1, 3).perSecond(rate));
        assertEquals(1000, new PartitionShare(1, 64).milliBurst(rate), "never below one token, or it could never send");
    }
}
