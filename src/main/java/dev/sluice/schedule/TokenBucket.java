package dev.sluice.schedule;

import java.util.function.LongSupplier;

import dev.sluice.config.RateLimit;

/**
 * Token bucket arithmetic, exact: rates and bursts are given in thousandths of a token (a replica's
 * share of a group-wide limit is rarely whole), and tokens are counted in units of 1/10^12 so that
 * refilling by {@code elapsed nanoseconds x milli-tokens per second} needs no rounding. Over any
 * interval of length T it grants at most {@code burst + perSecond x T} tokens. Starts empty: a route that
 * starts (a restarted replica included, which cannot know what its predecessor sent in the last
 * second) or a rate limit turned on gets no burst on top; the burst is for traffic after a quiet
 * spell. Not thread-safe: its owner ({@link RateLimiter}) guards it.
 */
final class TokenBucket {
    private static final long UNIT = 1_000_000_000_000L;
    /** Units in a thousandth of a token. */
    private static final long MILLI = UNIT / 1000;

    private final LongSupplier clock;
    /** Thousandths of a token per second, which is also units per nanosecond. */
    private long perSecond;
    private long capacity;
    private long units;
    private long refilledAt;

    TokenBucket(int perSecond, int burst, LongSupplier nanoClock) {
        this(perSecond * 1000L, burst * 1000L, nanoClock);
    }

    /** {@code milliPerSecond} thousandths of a token a second, up to {@code milliBurst} thousandths (at least one token). */
    TokenBucket(long milliPerSecond, long milliBurst, LongSupplier nanoClock) {
        check(milliPerSecond, milliBurst);
        this.clock = nanoClock;
        this.perSecond = milliPerSecond;
        this.capacity = milliBurst * MILLI;
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
        reconfigure(newPerSecond * 1000L, newBurst * 1000L);
    }

    /** As {@link #reconfigure(int, int)}, in thousandths of a token. */
    void reconfigure(long milliPerSecond, long milliBurst) {
        check(milliPerSecond, milliBurst);
        refill();
        perSecond = milliPerSecond;
        capacity = milliBurst * MILLI;
        units = Math.min(units, capacity);
    }

    /** The rate now, in thousandths of a token per second. */
    long milliPerSecond() {
        return perSecond;
    }

    private static void check(long milliPerSecond, long milliBurst) {
        // a burst below one token would never grant one
        if (milliPerSecond < 1 || milliBurst < 1000 || milliBurst > RateLimit.CEILING * 1000L) {
            throw new IllegalArgumentException("a token bucket needs a rate above 0 and a burst of 1 to " + RateLimit.CEILING
                    + " tokens, got " + milliPerSecond + "/1000 a second, " + milliBurst + "/1000");
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
