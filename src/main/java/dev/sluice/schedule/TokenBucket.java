package dev.sluice.schedule;

import java.util.function.LongSupplier;

/**
 * Token bucket arithmetic, exact: tokens are counted in units of 1/10^9 so that refilling by
 * {@code elapsed nanoseconds x perSecond} needs no rounding. Over any interval of
 * length T it grants at most {@code burst + perSecond x T} tokens. Starts empty: a route that
 * starts (a restarted replica included, which cannot know what its predecessor sent in the last
 * second) or a rate limit turned on gets no burst on top; the burst is for traffic after a quiet
 * spell. Not thread-safe: its owner ({@link RateLimiter}) guards it.
 */
final class TokenBucket {
    private static final long UNIT = 1_000_000_000L;

    private final LongSupplier clock;
    private long perSecond;
    private long capacity;
    private long units;
    private long refilledAt;

    TokenBucket(int perSecond, int burst, LongSupplier nanoClock) {
        check(perSecond, burst);
        this.clock = nanoClock;
        this.perSecond = perSecond;
        this.capacity = burst * UNIT;
        this.units = 0;
        this.refilledAt = clock.getAsLong();
    }

    /** Takes one token if there is one now. */
    boolean tryTake() {
        refill();
        if (units < UNIT) {
            return false;
        }
        units -= UNIT;
        return true;
    }

    /** Nanoseconds until a token is there (0 if one is there now). */
    long nanosUntilToken() {
        refill();
        if (units >= UNIT) {
            return 0;
        }
        // ceiling: waking early would only find no token and wait again
        return (UNIT - units + perSecond - 1) / perSecond;
    }

    /**
     * Drops whole tokens beyond one, keeping the fraction toward the next: for tokens that piled
     * up while a waiting backlog was not served (a timer that fired late). They are not a quiet
     * spell's burst, and spending them at once would bunch requests beyond the rate.
     */
    void dropPileUp() {
        refill();
        units = Math.min(units, UNIT + units % UNIT);
    }

    /** Whole tokens available now. */
    long tokens() {
        refill();
        return units / UNIT;
    }

    /**
     * A new rate and burst from now on. Time elapsed so far is credited at the old rate; tokens
     * beyond the new burst are dropped, and a larger burst is not filled at once.
     */
    void reconfigure(int newPerSecond, int newBurst) {
        check(newPerSecond, newBurst);
        refill();
        perSecond = newPerSecond;
        capacity = newBurst * UNIT;
        units = Math.min(units, capacity);
    }

    private static void check(int perSecond, int burst) {
        if (perSecond < 1 || burst < 1) {
            throw new IllegalArgumentException("a token bucket needs a rate and a burst of at least 1, got " + perSecond + "/s, "
                    + burst);
        }
    }

    private void refill() {
        long now = clock.getAsLong();
        long elapsed = now - refilledAt;
        refilledAt = now;
        if (elapsed <= 0) {
            return;
        }
        // elapsed beyond the time to fill the bucket adds nothing; capping it first avoids overflow
        long toFill = (capacity - units + perSecond - 1) / perSecond;
        units = Math.min(capacity, units + Math.min(elapsed, toFill) * perSecond);
    }
}
