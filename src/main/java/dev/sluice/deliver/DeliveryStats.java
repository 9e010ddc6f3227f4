package dev.sluice.deliver;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import jakarta.enterprise.context.ApplicationScoped;

/** Outcome counters per route since start; cheap to update from any thread. */
@ApplicationScoped
public class DeliveryStats {
    private final Map<String, RouteCounters> byRoute = new ConcurrentHashMap<>();

    public RouteCounters of(String route) {
        return byRoute.computeIfAbsent(route, r -> new RouteCounters());
    }

    public Map<String, RouteCounters> all() {
        return Map.copyOf(byRoute);
    }

    public static final class RouteCounters {
        public final LongAdder delivered = new LongAdder();
        public final LongAdder retried = new LongAdder();
        public final LongAdder deadLettered = new LongAdder();
        /** Dead-letter writes that failed: those records were not acked. */
        public final LongAdder failed = new LongAdder();
    }
}
