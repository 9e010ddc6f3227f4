package dev.sluice.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Token bucket arithmetic on an injected clock. */
class TokenBucketTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    private final AtomicLong clock = new AtomicLong(1_000 * SECOND);

    private int takeAll(TokenBucket bucket) {
        int n = 0;
        while (bucket.tryTake()) {
            n++;
        }
        return n;
    }

    @Test
    void startsEmptyAndHoldsTheBurstAfterAQuietSpell() {
        TokenBucket bucket = new TokenBucket(50, 10, clock::get);

        assertFalse(bucket.tryTake(), "no burst at start");
        assertEquals(20 * MS, bucket.nanosUntilToken());
        clock.addAndGet(SECOND);
        assertEquals(10, takeAll(bucket));
        assertFalse(bucket.tryTake());
    }

    @Test
    void refillsOneTokenPerIntervalAndSaysWhenTheNextIsDue() {
        TokenBucket bucket = new TokenBucket(50, 10, clock::get);

        assertEquals(20 * MS, bucket.nanosUntilToken());
        clock.addAndGet(19 * MS);
        assertEquals(MS, bucket.nanosUntilToken());
        assertFalse(bucket.tryTake());
        clock.addAndGet(MS);
        assertEquals(0, bucket.nanosUntilToken());
        assertTrue(bucket.tryTake());
        assertFalse(bucket.tryTake());
    }

    @Test
    void aRateThatDoesNotDivideASecondRoundsTheWaitUp() {
        TokenBucket bucket = new TokenBucket(3, 1, clock::get);

        assertEquals(333_333_334, bucket.nanosUntilToken());
        clock.addAndGet(333_333_333);
        assertFalse(bucket.tryTake(), "a nanosecond early");
        clock.addAndGet(1);
        assertTrue(bucket.tryTake());
    }

    @Test
    void fillsNoFurtherThanTheBurstWhileIdle() {
        TokenBucket bucket = new TokenBucket(50, 10, clock::get);

        clock.addAndGet(TimeUnit.DAYS.toNanos(3650));

        assertEquals(10, bucket.tokens());
        assertEquals(10, takeAll(bucket));
    }

    /** The contract the rate-limit test checks at the sink: any 1 s holds at most per-second + burst grants. */
    @ParameterizedTest(name = "{0}/s burst {1}")
    @CsvSource({ "50, 10", "50, 1", "7, 3", "1000, 1", "3, 100" })
    void anySecondHoldsAtMostRatePlusBurstAndTheLongRunIsTheRate(int perSecond, int burst) {
        TokenBucket bucket = new TokenBucket(perSecond, burst, clock::get);
        clock.addAndGet(SECOND * burst / perSecond + SECOND); // full: the worst case
        long start = clock.get();
        List<Long> grants = new ArrayList<>();
        // a greedy caller that asks every 100 microseconds for 20 s
        for (long t = 0; t < 20 * SECOND; t += 100_000) {
            clock.set(start + t);
            while (bucket.tryTake()) {
                grants.add(t);
            }
        }
        int most = 0;
        for (int i = 0, j = 0; i < grants.size(); i++) {
            while (grants.get(i) - grants.get(j) >= SECOND) {
                j++;
            }
            most = Math.max(most, i - j + 1);
        }
        assertTrue(most <= perSecond + burst, most + " grants within one second");
        assertEquals(burst + 20L * perSecond, grants.size(), 1.0, "burst, then the rate");
    }

    @Test
    void aNewRateCountsFromNowAndASmallerBurstDropsTheExcess() {
        TokenBucket bucket = new TokenBucket(10, 10, clock::get);
        clock.addAndGet(500 * MS); // 5 tokens at the old rate

        bucket.reconfigure(100, 3);

        assertEquals(3, bucket.tokens(), "the smaller burst caps what was saved");
        takeAll(bucket);
        assertEquals(10 * MS, bucket.nanosUntilToken(), "the new rate applies");
        bucket.reconfigure(100, 50);
        clock.addAndGet(100 * MS);
        assertEquals(10, bucket.tokens(), "a larger burst is filled by time, not at once");
    }

    @Test
    void aPileUpIsDroppedToOneTokenKeepingTheFractionTowardTheNext() {
        TokenBucket bucket = new TokenBucket(50, 10, clock::get);
        clock.addAndGet(130 * MS); // 6.5 tokens

        bucket.dropPileUp();

        assertTrue(bucket.tryTake());
        assertFalse(bucket.tryTake());
        assertEquals(10 * MS, bucket.nanosUntilToken(), "the half token is kept");
    }

    @Test
    void needsARateAndABurst() {
        assertThrows(IllegalArgumentException.class, () -> new TokenBucket(0, 10, clock::get));
        assertThrows(IllegalArgumentException.class, () -> new TokenBucket(10, 0, clock::get));
    }
}
