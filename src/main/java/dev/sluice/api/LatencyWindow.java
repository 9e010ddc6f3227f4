package dev.sluice.api;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import dev.sluice.deliver.LatencyReading;

/**
 * Delivery latency percentiles per route over a recent window, for the status stream, from the
 * histogram the route's meters already keep ({@code sluice.delivery.duration}, whose counts only
 * grow): the latest reading minus one taken about {@link #WINDOW_NANOS} earlier gives the
 * deliveries of the window per bucket, and a percentile is interpolated linearly inside its bucket,
 * as Prometheus's {@code histogram_quantile} does. So it is as exact as the buckets (5, 10, 25, 50,
 * 100, 250, 500 ms, 1 s, ...), capped by the recent maximum.
 *
 * <p>Readings are kept once every {@link #SAMPLE_NANOS} per route, at most a window's worth
 * (seven), for the routes of the config only. Not thread-safe: used under {@link StatusEvents}'s lock.
 */
final class LatencyWindow {
    static final long WINDOW_NANOS = 30_000_000_000L;
    static final long SAMPLE_NANOS = 5_000_000_000L;

    private record Sample(long nanos, LatencyReading reading) {
    }

    private final Map<String, ArrayDeque<Sample>> byRoute = new HashMap<>();

    /**
     * {@code {"p50": ms, "p99": ms, "count": n}} for the route's deliveries over about the last 30 s
     * (less while the route's meters are younger than that), or null when none was delivered in it.
     */
    Map<String, Object> latency(String route, LatencyReading now, long nanos) {
        if (now.boundsMs().length == 0) {
            return null;
        }
        ArrayDeque<Sample> samples = byRoute.computeIfAbsent(route, r -> new ArrayDeque<>());
        Sample last = samples.peekLast();
        if (last != null && (now.count() < last.reading().count()
                || !Arrays.equals(now.boundsMs(), last.reading().boundsMs()))) {
            // the meters were replaced (the route was removed and added back): start again
            samples.clear();
        }
        // the newest reading at least a window old is the baseline; older ones are not needed
        while (samples.size() > 1) {
            Iterator<Sample> it = samples.iterator();
            it.next();
            if (nanos - it.next().nanos() < WINDOW_NANOS) {
                break;
            }
            samples.pollFirst();
        }
        Sample base = samples.peekFirst();
        if (samples.isEmpty() || nanos - samples.peekLast().nanos() >= SAMPLE_NANOS) {
            samples.addLast(new Sample(nanos, now));
        }
        long[] window = now.cumulative().clone();
        long count = now.count();
        if (base != null) {
            long[] before = base.reading().cumulative();
            for (int i = 0; i < window.length; i++) {
                window[i] -= before[i];
            }
            count -= base.reading().count();
        }
        if (count <= 0) {
            return null;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("p50", round(quantile(0.50, now.boundsMs(), window, count, now.maxMs())));
        m.put("p99", round(quantile(0.99, now.boundsMs(), window, count, now.maxMs())));
        m.put("count", count);
        return m;
    }

    /** Forgets the routes not in {@code routes} (the config in force). */
    void retain(Set<String> routes) {
        byRoute.keySet().retainAll(routes);
    }

    /**
     * The q-quantile of {@code count} observations with {@code cumulative[i]} at or below
     * {@code bounds[i]}: linear inside the bucket it falls in, at most {@code max} (when known).
     */
    static double quantile(double q, double[] bounds, long[] cumulative, long count, double max) {
        double rank = q * count;
        double lower = 0;
        long below = 0;
        for (int i = 0; i < bounds.length; i++) {
            if (cumulative[i] >= rank && cumulative[i] > below) {
                double upper = bounds[i];
                double value;
                if (Double.isInfinite(upper)) {
                    // beyond the last finite bound: the recent maximum is the best figure there is
                    value = max > lower ? max : lower;
                } else {
                    value = lower + (upper - lower) * (rank - below) / (cumulative[i] - below);
                }
                return max > 0 ? Math.min(value, max) : value;
            }
            lower = bounds[i];
            below = cumulative[i];
        }
        // more observations than the buckets hold (counts read while a delivery was being recorded)
        return max > 0 ? max : lower;
    }

    private static double round(double ms) {
        return Math.round(ms * 10) / 10.0;
    }
}
