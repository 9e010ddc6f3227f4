package dev.sluice.schedule;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The concurrency a target sustains, found from its answers: a delay-based limit (queueing shows
 * as a rising round-trip time) with a loss-based backoff (429, 503, 504, timeouts and connection
 * errors are drops). Fed one sample per attempt; decides once per window:
 *
 * <pre>
 *   window = at least 100 ms and 2 average round trips; baseline = lowest window-average RTT of the last 30 windows
 *
 *   drop in the window ------------------------------> limit x 0.9 (x 0.5 in slow start, which it ends)
 *   average RTT > baseline x 1.1 (a queue is building) -> limit x baseline / RTT x 0.9
 *                                                        (what the target serves without queueing, a little under,
 *                                                         so the next windows see no queue and the baseline stays true)
 *   otherwise, if at least half the limit was used ----> slow start: limit x 2; after it: limit + 5 % (at least 1)
 *   always within [min, max]
 * </pre>
 *
 * Against a target that serves c requests at once and queues the rest, this saws between a little
 * under c and c x 1.1: a queue never lasts, which is also what keeps the baseline honest. Without
 * the undershoot the limit would rest just above c, every window would include queueing, the
 * baseline (a minimum over recent windows) would creep up with it and the limit would drift away.
 *
 * <p>A deep cut (RTT above 1.25 x baseline) that does not bring the RTT down at least halfway to
 * the baseline in the next window was not queueing: the target got slower. The baseline is then
 * taken afresh from that window instead of the limit collapsing to {@code min} until the old
 * baseline ages out.
 *
 * <p>Why not Netflix concurrency-limits: see the README ("Adaptive concurrency"). Thread-safe;
 * time comes from an injected nanosecond clock so tests can run it on simulated time.
 */
public final class AdaptiveLimit {
    static final long MIN_WINDOW_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    static final long MAX_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(10);
    static final int BASELINE_WINDOWS = 30;
    /** RTT growth over the baseline read as queueing. */
    static final double TOLERANCE = 0.10;
    /** How far under the estimated capacity a cut lands. */
    static final double UNDERSHOOT = 0.9;
    static final double INCREASE = 0.05;
    static final double BACKOFF = 0.9;
    /** RTT over baseline beyond which a cut is deep enough to check whether the baseline moved. */
    static final double DEEP_CUT = 1.25;

    private final LongSupplier clock;
    private int min;
    private int max;
    private double estimate;
    private volatile int limit;
    private boolean slowStart;

    private long windowStart = -1;
    private long windowLength = MIN_WINDOW_NANOS;
    private long rttSum;
    private int rttCount;
    private int drops;
    private int maxInFlight;

    private final long[] recentRtts = new long[BASELINE_WINDOWS];
    private int recentCount;
    private int recentNext;
    /** Average RTT of the window that caused a deep cut, and the baseline then; 0 when the last window did not. */
    private long deepCutRtt;
    private long deepCutBaseline;

    /**
     * @param initial the limit to begin with (clamped to the bounds)
     * @param slowStart double the limit each window until the first sign of queueing or a drop: for
     *        a route that starts from its minimum; false for one that starts from a limit it had
     */
    public AdaptiveLimit(int min, int max, int initial, boolean slowStart, LongSupplier nanoClock) {
        this.clock = nanoClock;
        this.min = min;
        this.max = max;
        this.estimate = clamp(initial);
        this.limit = (int) estimate;
        this.slowStart = slowStart;
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
            drops++;
        } else {
            // a drop's RTT says nothing about queueing: a fast 429 would pull the average down
            rttSum += Math.max(1, rttNanos);
            rttCount++;
        }
        maxInFlight = Math.max(maxInFlight, inFlight);
        if (now - windowStart < windowLength) {
            return false;
        }
        int before = limit;
        endWindow();
        windowStart = now;
        rttSum = 0;
        rttCount = 0;
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
        estimate = clamp(estimate);
        limit = (int) estimate;
        return limit != before;
    }

    private void endWindow() {
        long average = rttCount == 0 ? 0 : rttSum / rttCount;
        if (average > 0) {
            windowLength = Math.min(MAX_WINDOW_NANOS, Math.max(MIN_WINDOW_NANOS, 2 * average));
        }
        if (drops > 0) {
            onDrops(average);
        } else if (average > 0) {
            onLatency(average);
        }
    }

    private void onDrops(long average) {
        if (average > 0) {
            remember(average);
        }
        deepCutRtt = 0;
        estimate = clamp(estimate * (slowStart ? 0.5 : BACKOFF));
        slowStart = false;
    }

    private void onLatency(long average) {
        if (deepCutRtt > 0 && average > (deepCutRtt + deepCutBaseline) / 2) {
            // the cut did not drain a queue: the target itself got slower. Start the baseline anew.
            recentCount = 0;
        }
        deepCutRtt = 0;
        remember(average);
        long baseline = baseline();
        double ratio = (double) average / baseline;
        if (ratio > 1 + TOLERANCE) {
            if (ratio > DEEP_CUT) {
                deepCutRtt = average;
                deepCutBaseline = baseline;
            }
            estimate = clamp(estimate * Math.max(0.5, 1 / ratio) * UNDERSHOOT);
            slowStart = false;
        } else if (maxInFlight * 2 >= estimate) {
            // grow only when the limit is what holds the route back, not the traffic
            estimate = clamp(slowStart ? estimate * 2 : estimate + Math.max(1, estimate * INCREASE));
        }
    }

    private void remember(long average) {
        recentRtts[recentNext] = average;
        recentNext = (recentNext + 1) % recentRtts.length;
        recentCount = Math.min(recentRtts.length, recentCount + 1);
    }

    private long baseline() {
        long lowest = Long.MAX_VALUE;
        for (int i = 0; i < recentCount; i++) {
            // the ring's newest entries sit just before recentNext
            lowest = Math.min(lowest, recentRtts[(recentNext - 1 - i + recentRtts.length) % recentRtts.length]);
        }
        return lowest;
    }

    private double clamp(double value) {
        return Math.max(min, Math.min(max, value));
    }

    @Override
    public synchronized String toString() {
        return "AdaptiveLimit[limit=" + limit + ", min=" + min + ", max=" + max + ", baseline="
                + (recentCount == 0 ? "-" : TimeUnit.NANOSECONDS.toMicros(baseline()) / 1000.0 + " ms") + "]";
    }
}
