package dev.sluice.deliver;

import java.time.Duration;
import java.util.List;
import java.util.function.LongSupplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import dev.sluice.outcome.DeliveryResult;

/**
 * The delivery meters of one route (see README "Metrics"). Updated from any thread, the event
 * loop included: Micrometer counters and timers are lock-free. The only labels are the route name
 * and, on {@code sluice.deliveries}, the outcome: both bounded by the config.
 */
public final class RouteMeters {
    static final String CONSUMED = "sluice.records.consumed";
    static final String DELIVERIES = "sluice.deliveries";
    static final String RETRIES = "sluice.retries";
    static final String RETRIES_WAITING = "sluice.retries.waiting";
    static final String DELIVERY_DURATION = "sluice.delivery.duration";
    static final String ATTEMPT_DURATION = "sluice.attempt.duration";
    static final String END_TO_END = "sluice.end.to.end";

    /** Histogram buckets of one HTTP attempt: the route timeout is at most 10 minutes, usually seconds. */
    private static final Duration[] ATTEMPT_BUCKETS = seconds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
            30, 60);
    /** Buckets of times that include waiting and retries: a backlog or long backoffs make minutes normal. */
    private static final Duration[] LONG_BUCKETS = seconds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
            60, 300, 900, 3600);

    private final String route;
    private final LongSupplier wallClockMs;
    private final Counter consumed;
    private final Counter delivered;
    private final Counter deadLettered;
    private final Counter failed;
    private final Counter abandoned;
    private final Counter filtered;
    private final Counter retried;
    private final java.util.concurrent.atomic.AtomicInteger backingOff = new java.util.concurrent.atomic.AtomicInteger();
    private final Gauge retriesWaiting;
    private final Timer attempt;
    private final Timer delivery;
    private final Timer endToEnd;
    /** Deliveries begun and not ended; guarded by the owning {@link DeliveryStats}. */
    int pending;

    RouteMeters(MeterRegistry registry, String route, LongSupplier wallClockMs) {
        this.route = route;
        this.wallClockMs = wallClockMs;
        consumed = Counter.builder(CONSUMED).tag("route", route)
                .description("Records that matched the route and started their delivery on it (after their lane's wait)")
                .register(registry);
        delivered = outcome(registry, "delivered");
        deadLettered = outcome(registry, "dead_lettered");
        failed = outcome(registry, "failed");
        abandoned = outcome(registry, "abandoned");
        filtered = outcome(registry, "filtered");
        retried = Counter.builder(RETRIES).tag("route", route)
                .description("Attempts that failed retriably and were scheduled again")
                .register(registry);
        retriesWaiting = Gauge.builder(RETRIES_WAITING, backingOff, java.util.concurrent.atomic.AtomicInteger::get)
                .tag("route", route).strongReference(true)
                .description("Deliveries waiting out a retry backoff now (each holds its record's in-flight permit or parking slot, no delivery slot)")
                .register(registry);
        attempt = Timer.builder(ATTEMPT_DURATION).tag("route", route)
                .description("One HTTP attempt: request to answer, timeout or connection error")
                .serviceLevelObjectives(ATTEMPT_BUCKETS)
                .register(registry);
        delivery = Timer.builder(DELIVERY_DURATION).tag("route", route)
                .description("Delivered events: start of the delivery (lane's turn) to the target's 2xx, permit waits and retries included")
                .serviceLevelObjectives(LONG_BUCKETS)
                .register(registry);
        endToEnd = Timer.builder(END_TO_END).tag("route", route)
                .description("Delivered events: Kafka record timestamp to the target's 2xx")
                .serviceLevelObjectives(LONG_BUCKETS)
                .register(registry);
    }

    private Counter outcome(MeterRegistry registry, String outcome) {
        return Counter.builder(DELIVERIES).tag("route", route).tag("outcome", outcome)
                .description("Events that reached an outcome on a route")
                .register(registry);
    }

    public String route() {
        return route;
    }

    void onConsumed() {
        consumed.increment();
    }

    void onAttempt(long nanos) {
        attempt.record(Duration.ofNanos(nanos));
    }

    void onRetried() {
        retried.increment();
    }

    void backoffStarted() {
        backingOff.incrementAndGet();
    }

    void backoffEnded() {
        backingOff.decrementAndGet();
    }

    /**
     * The event's delivery on this route ended after {@code nanos}: with {@code result}, or with
     * {@code failure} (the dead-letter write failed, so the record is not acked), or with neither
     * (cancelled: no outcome, nothing counted).
     */
    void onEnd(DeliveryResult result, Throwable failure, long nanos, long recordTimestampMs) {
        if (failure != null) {
            failed.increment();
            return;
        }
        if (result == null) {
            return;
        }
        switch (result) {
            case DELIVERED -> {
                delivered.increment();
                delivery.record(Duration.ofNanos(nanos));
                // a producer clock ahead of ours would give a negative time: count it as zero
                endToEnd.record(Duration.ofMillis(Math.max(0, wallClockMs.getAsLong() - recordTimestampMs)));
            }
            case DEAD_LETTERED -> deadLettered.increment();
            case ABANDONED -> abandoned.increment();
            case FILTERED -> filtered.increment();
            case HELD -> {
                // delivered later, when the route resumes, and counted then
            }
        }
    }

    List<Meter> meters() {
        return List.of(consumed, delivered, deadLettered, failed, abandoned, filtered, retried, retriesWaiting, attempt, delivery,
                endToEnd);
    }

    public long delivered() {
        return (long) delivered.count();
    }

    /** Records of the route waiting to be tried again now (backing off after a retriable outcome). */
    public int retriesWaiting() {
        return backingOff.get();
    }

    public long retried() {
        return (long) retried.count();
    }

    public long deadLettered() {
        return (long) deadLettered.count();
    }

    /** Records of the route's topics its filters declined. */
    public long filtered() {
        return (long) filtered.count();
    }

    void onFiltered() {
        filtered.increment();
    }

    public long failed() {
        return (long) failed.count();
    }

    /**
     * The delivery-time histogram now ({@code sluice.delivery.duration}: lane's turn to the
     * target's 2xx, retries included), for latency percentiles over a window (the status stream
     * subtracts an earlier reading). Reads the histogram's counters; never waits.
     */
    public LatencyReading deliveryLatency() {
        HistogramSnapshot s = delivery.takeSnapshot();
        CountAtBucket[] buckets = s.histogramCounts();
        if (buckets.length == 0) {
            return LatencyReading.NONE;
        }
        double[] bounds = new double[buckets.length];
        long[] counts = new long[buckets.length];
        for (int i = 0; i < buckets.length; i++) {
            bounds[i] = buckets[i].bucket(java.util.concurrent.TimeUnit.MILLISECONDS);
            counts[i] = (long) buckets[i].count();
        }
        return new LatencyReading(bounds, counts, s.count(), s.max(java.util.concurrent.TimeUnit.MILLISECONDS));
    }

    private static Duration[] seconds(double... values) {
        Duration[] out = new Duration[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = Duration.ofNanos(Math.round(values[i] * 1e9));
        }
        return out;
    }
}
