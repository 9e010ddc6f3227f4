package dev.sluice.deliver;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Delivery meters per route, in the Micrometer registry (Prometheus at {@code /q/metrics}) and
 * read back by the status API. Cheap to update from any thread, the event loop included.
 * Only route names are labels: their number is bounded by the config.
 */
@ApplicationScoped
public class DeliveryStats {
    static final String DELIVERIES = "sluice.deliveries";
    static final String RETRIES = "sluice.retries";
    static final String ATTEMPT_DURATION = "sluice.delivery.duration";
    static final String END_TO_END = "sluice.end.to.end";

    private final MeterRegistry registry;
    private final Map<String, RouteMeters> byRoute = new ConcurrentHashMap<>();

    DeliveryStats(MeterRegistry registry) {
        this.registry = registry;
    }

    /**
     * The meters of a route. A removed route keeps its counters (counters only grow) and, added
     * back, continues them: Micrometer hands back the meter already registered under the same
     * name and labels.
     */
    public RouteMeters of(String route) {
        return byRoute.computeIfAbsent(route, r -> new RouteMeters(registry, r));
    }

    public static final class RouteMeters {
        private final Counter delivered;
        private final Counter deadLettered;
        /** Dead-letter writes that failed: those records were not acked. */
        private final Counter failed;
        private final Counter retried;
        private final Timer attempt;
        private final Timer endToEnd;

        RouteMeters(MeterRegistry registry, String route) {
            delivered = outcome(registry, route, "delivered");
            deadLettered = outcome(registry, route, "dead_lettered");
            failed = outcome(registry, route, "failed");
            retried = Counter.builder(RETRIES).tag("route", route)
                    .description("Attempts that failed retriably and were scheduled again")
                    .register(registry);
            attempt = Timer.builder(ATTEMPT_DURATION).tag("route", route)
                    .description("One delivery attempt: HTTP request to answer, timeout or error")
                    .publishPercentileHistogram()
                    .register(registry);
            endToEnd = Timer.builder(END_TO_END).tag("route", route)
                    .description("Record timestamp to delivered, retries and waiting included")
                    .publishPercentileHistogram()
                    // a backlog or long retries make minutes normal; the default top bucket is 30 s
                    .maximumExpectedValue(Duration.ofHours(1))
                    .register(registry);
        }

        private static Counter outcome(MeterRegistry registry, String route, String outcome) {
            return Counter.builder(DELIVERIES).tag("route", route).tag("outcome", outcome)
                    .description("Events that reached a final outcome on a route")
                    .register(registry);
        }

        void onDelivered(long recordTimestampMs) {
            delivered.increment();
            // a producer clock ahead of ours would give a negative lag: count it as zero
            endToEnd.record(Duration.ofMillis(Math.max(0, System.currentTimeMillis() - recordTimestampMs)));
        }

        void onRetried() {
            retried.increment();
        }

        void onDeadLettered() {
            deadLettered.increment();
        }

        void onDeadLetterFailed() {
            failed.increment();
        }

        void onAttempt(long nanos) {
            attempt.record(Duration.ofNanos(nanos));
        }

        public long delivered() {
            return (long) delivered.count();
        }

        public long retried() {
            return (long) retried.count();
        }

        public long deadLettered() {
            return (long) deadLettered.count();
        }

        public long failed() {
            return (long) failed.count();
        }
    }
}
