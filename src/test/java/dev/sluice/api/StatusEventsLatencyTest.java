package dev.sluice.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.sluice.deliver.LatencyReading;

/** The status stream's latency percentiles ({@link LatencyWindow}): over the window, from the buckets. */
class StatusEventsLatencyTest {
    private static final double[] BOUNDS = { 5, 10, 25, 50, 100, Double.POSITIVE_INFINITY };
    private static final long S = 1_000_000_000L;

    private static LatencyReading reading(long[] cumulative, double max) {
        return new LatencyReading(BOUNDS, cumulative, cumulative[cumulative.length - 1], max);
    }

    @Test
    void aQuantileIsInterpolatedInsideItsBucketAsPrometheusDoes() {
        // 100 observations: 10 at or below 5 ms, 50 more in (5, 10], 40 in (10, 25]
        long[] cumulative = { 10, 60, 100, 100, 100, 100 };
        // rank 50 is the 40th of the 50 in (5, 10]: 5 + 5 * 40 / 50
        assertEquals(9.0, LatencyWindow.quantile(0.5, BOUNDS, cumulative, 100, 0), 1e-9);
        // rank 99 is the 39th of the 40 in (10, 25]: 10 + 15 * 39 / 40
        assertEquals(24.625, LatencyWindow.quantile(0.99, BOUNDS, cumulative, 100, 0), 1e-9);
        // never above the recent maximum
        assertEquals(20.0, LatencyWindow.quantile(0.99, BOUNDS, cumulative, 100, 20), 1e-9);
    }

    @Test
    void beyondTheLastFiniteBoundTheMaximumIsTheFigure() {
        long[] cumulative = { 0, 0, 0, 0, 1, 10 };
        assertEquals(4_000.0, LatencyWindow.quantile(0.5, BOUNDS, cumulative, 10, 4_000), 1e-9);
        assertEquals(100.0, LatencyWindow.quantile(0.5, BOUNDS, cumulative, 10, 0), 1e-9);
    }

    @Test
    void percentilesCoverTheLastThirtySecondsOnlyAndNoneWithoutDeliveries() {
        LatencyWindow w = new LatencyWindow();
        assertNull(w.latency("a", reading(new long[] { 0, 0, 0, 0, 0, 0 }, 0), 0));
        // the first 30 s: slow deliveries (40-50 ms)
        Map<String, Object> slow = w.latency("a", reading(new long[] { 0, 0, 0, 100, 100, 100 }, 50), 10 * S);
        assertEquals(100L, slow.get("count"));
        assertEquals(37.5, slow.get("p50"));
        for (long t = 15; t <= 35; t += 5) {
            w.latency("a", reading(new long[] { 0, 0, 0, 100, 100, 100 }, 50), t * S);
        }
        // then 100 fast ones (under 5 ms): 30 s later the slow ones have left the window
        Map<String, Object> fast = w.latency("a", reading(new long[] { 100, 100, 100, 200, 200, 200 }, 50), 45 * S);
        assertEquals(100L, fast.get("count"), fast.toString());
        assertEquals(2.5, fast.get("p50"));
        assertEquals(5.0, fast.get("p99"));
        // nothing delivered for a whole window: no figure
        for (long t = 50; t <= 80; t += 5) {
            w.latency("a", reading(new long[] { 100, 100, 100, 200, 200, 200 }, 50), t * S);
        }
        assertNull(w.latency("a", reading(new long[] { 100, 100, 100, 200, 200, 200 }, 50), 85 * S));
    }

    @Test
    void aRouteWhoseMetersStartAgainStartsAgainAndRemovedRoutesAreForgotten() {
        LatencyWindow w = new LatencyWindow();
        w.latency("a", reading(new long[] { 0, 0, 0, 500, 500, 500 }, 50), 0);
        // removed and added back: its counts restart from 0
        Map<String, Object> again = w.latency("a", reading(new long[] { 4, 4, 4, 4, 4, 4 }, 5), 5 * S);
        assertEquals(4L, again.get("count"));
        w.retain(Set.of("b"));
        assertEquals(4L, w.latency("a", reading(new long[] { 4, 4, 4, 4, 4, 4 }, 5), 6 * S).get("count"));
    }
}
