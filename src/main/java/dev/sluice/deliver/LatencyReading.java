package dev.sluice.deliver;

/**
 * One reading of a route's delivery-time histogram ({@code sluice.delivery.duration}): the count
 * of delivered events at or below each bucket's upper bound in milliseconds (cumulative, as
 * Prometheus's {@code le} buckets; the last bound may be infinite), the total count, and the
 * recent maximum (Micrometer's decaying max, over about two minutes). Taken without waiting: the
 * histogram's counters are read as they are.
 */
public record LatencyReading(double[] boundsMs, long[] cumulative, long count, double maxMs) {
    static final LatencyReading NONE = new LatencyReading(new double[0], new long[0], 0, 0);
}
