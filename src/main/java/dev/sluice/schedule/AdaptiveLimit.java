package dev.sluice.schedule;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The concurrency a target sustains, estimated as its bandwidth-delay product: the most answers
 * per second it gave (while the limit, not the traffic, held the route back) times the shortest
 * round trip seen without queueing, as TCP BBR sizes its window. A loss-based cap backs off on
 * drops (429, 503, 504, timeouts, connection errors). Fed one sample per attempt; decides once
 * per window (100 ms, or 2 round trips if longer):
 *
 * <pre>
 *   rate     = answers per second in the window      max over the last 10 windows   (a pause lowers it: ignored;
 *              (over the longer of the window and the span their requests were sent in, so a burst after a pause does not count)
 *   rtt      = average round trip in the window      min over the last 10 windows   (a pause or a queue raises it: ignored)
 *   capacity = max rate x min rtt
 *
 *   startup: limit x 2 each window while the rate grows by 25 % --> 2 windows without --> cruise
 *   cruise:  limit = capacity x gain, gain cycling 1.25, 0.75, 1, 1, 1, 1, 1, 1
 *            (1.25 probes for more capacity; 0.75 drains what that queued, so the min rtt stays a no-queue one)
 *   drop in the window: loss cap = limit x 0.9 (ends startup); +1 per window without drops
 *   limit = min(that, loss cap), within [min, max]
 * </pre>
 *
 * Both filters keep their best value, not their latest: a JVM pause, a slow request or a queue
 * makes a window look worse, never better, so noise cannot talk the limit down and a queue cannot
 * talk it up. Because the min rtt is refreshed by the 0.75 window of each cycle, a target that
 * gets slower is followed within a second, and the estimate does not drift.
 *
 * <p>Why not Netflix concurrency-limits: see the README ("Adaptive concurrency"). Thread-safe;
 * time comes from an injected nanosecond clock so tests can run it on simulated time.
 */
public final class AdaptiveLimit {
    static final long MIN_WINDOW_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    static final long MAX_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** Windows the rate and rtt filters remember. */
    static final int FILTER_WINDOWS = 10;
    static final double[] GAINS = { 1.25, 0.75, 1, 1, 1, 1, 1, 1 };
    /** Rate growth per window that keeps startup going. */
    static final double STARTUP_GROWTH = 1.25;
    /** Windows in a row without that growth that end startup (one could be a pause). */
    static final int STARTUP_STALLS = 2;
    static final double BACKOFF = 0.9;
    /** How much the loss cap grows back per window without drops (additive, as AIMD). */
    static final double LOSS_CAP_RECOVERY = 1;
    /** In-flight share of the limit at which a window counts as limited by it rather than by the traffic. */
    static final double BOUND = 0.8;

    private final LongSupplier clock;
    private int min;
    private int max;
    private double estimate;
    private double lossCap;
    private volatile int limit;
    private boolean startup;
    private double startupRate;
    private int startupStalls;
    private int cycle;

    private long windowStart = -1;
    private long windowLength = MIN_WINDOW_NANOS;
    private long rttSum;
    private int answers;
    private long firstSent = Long.MAX_VALUE;
    private long lastSent = Long.MIN_VALUE;
    private int drops;
    private int maxInFlight;

    /** Answers per nanosecond of recent windows; NaN for a window that does not count. */
    private final double[] rates = new double[FILTER_WINDOWS];
    /** Average round trip of recent windows, in nanoseconds; NaN for a window without answers. */
    private final double[] rtts = new double[FILTER_WINDOWS];
    private int next;

    /**
     * @param initial the limit to begin with (clamped to the bounds)
     * @param startup double the limit each window until the answer rate stops growing: for a route
     *        that starts from its minimum; false for one that starts from a limit it had
     */
    public AdaptiveLimit(int min, int max, int initial, boolean startup, LongSupplier nanoClock) {
        this.clock = nanoClock;
        this.min = min;
        this.max = max;
        this.estimate = clamp(initial);
        this.lossCap = max;
        this.limit = (int) estimate;
        this.startup = startup;
        Arrays.fill(rates, Double.NaN);
        Arrays.fill(rtts, Double.NaN);
    }

    /** The current limit. */
    public int limit() {
        return limit;
    }

    public synchronized int min() {
        return min;
    }

    public synchronized int max() {
        return max;
    }

    /**
     * One attempt's outcome: its round-trip time, how many requests of the route were on the wire
     * when it was sent (itself included), and whether the target pushed back. Returns true when
     * the limit changed.
     */
    public synchronized boolean onSample(long rttNanos, int inFlight, boolean dropped) {
        long now = clock.getAsLong();
        if (windowStart < 0) {
            windowStart = now;
        }
        if (dropped) {
            // a drop's round trip says nothing of the queue (a fast 429 would look like a fast target)
            drops++;
        } else {
            rttSum += Math.max(1, rttNanos);
            answers++;
            firstSent = Math.min(firstSent, now - rttNanos);
            lastSent = Math.max(lastSent, now - rttNanos);
        }
        maxInFlight = Math.max(maxInFlight, inFlight);
        if (now - windowStart < windowLength) {
            return false;
        }
        int before = limit;
        endWindow(now - windowStart);
        windowStart = now;
        rttSum = 0;
        answers = 0;
        firstSent = Long.MAX_VALUE;
        lastSent = Long.MIN_VALUE;
        drops = 0;
        maxInFlight = 0;
        limit = (int) estimate;
        return limit != before;
    }

    /** New bounds (a live config change); the limit is clamped into them at once. */
    public synchronized boolean bounds(int newMin, int newMax) {
        int before = limit;
        min = newMin;
        max = newMax;
        lossCap = Math.min(lossCap, max);
        estimate = clamp(estimate);
        limit = (int) estimate;
        return limit != before;
    }

    private void endWindow(long duration) {
        // answers bunched after a pause were sent over a longer time than they took to come back:
        // the longer of the two spans gives the rate the target really served (as BBR does)
        double rate = (double) answers / Math.max(duration, answers > 1 ? lastSent - firstSent : 0);
        boolean bound = maxInFlight >= BOUND * limit;
        // a window the traffic held back says little of the target, unless it shows more than we knew
        rates[next] = bound || rate > highest(rates) ? rate : Double.NaN;
        rtts[next] = answers == 0 ? Double.NaN : (double) rttSum / answers;
        next = (next + 1) % FILTER_WINDOWS;
        if (answers > 0) {
            windowLength = Math.min(MAX_WINDOW_NANOS, Math.max(MIN_WINDOW_NANOS, 2 * rttSum / answers));
        }

        if (drops > 0) {
            lossCap = Math.min(lossCap, estimate) * BACKOFF;
            startup = false;
        } else {
            lossCap = Math.min(max, lossCap + LOSS_CAP_RECOVERY);
        }
        double capacity = highest(rates) * lowest(rtts);
        if (startup) {
            if (bound && rate >= startupRate * STARTUP_GROWTH) {
                startupRate = rate;
                startupStalls = 0;
                estimate *= 2;
            } else if (bound && ++startupStalls >= STARTUP_STALLS) {
                // the rate stopped growing: the target is full. Drain what the doubling queued.
                startup = false;
                cycle = 1;
                estimate = capacity * GAINS[cycle];
            }
        } else if (!Double.isNaN(capacity)) {
            cycle = (cycle + 1) % GAINS.length;
            estimate = capacity * GAINS[cycle];
        }
        estimate = clamp(Math.min(estimate, lossCap));
    }

    private static double highest(double[] values) {
        double best = Double.NaN;
        for (double v : values) {
            if (!Double.isNaN(v) && (Double.isNaN(best) || v > best)) {
                best = v;
            }
        }
        return best;
    }

    private static double lowest(double[] values) {
        double best = Double.NaN;
        for (double v : values) {
            if (!Double.isNaN(v) && (Double.isNaN(best) || v < best)) {
                best = v;
            }
        }
        return best;
    }

    private double clamp(double value) {
        return Math.max(min, Math.min(max, value));
    }

    @Override
    public synchronized String toString() {
        return String.format("AdaptiveLimit[limit=%d, min=%d, max=%d, rate=%.0f/s, rtt=%.1f ms, lossCap=%.1f%s]", limit, min,
                max, highest(rates) * 1e9, lowest(rtts) / 1e6, lossCap, startup ? ", startup" : "");
    }
}
