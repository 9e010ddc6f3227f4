package dev.sluice.deliver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import dev.sluice.outcome.DeliveryResult;

class DeliveryStatsTest {
    private static final long NOW_MS = 1_000_000;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final DeliveryStats stats = new DeliveryStats(registry, () -> NOW_MS);

    @Test
    void routesOfTheConfigHaveTheirSeriesAtZeroBeforeAnyTraffic() {
        stats.follow(List.of("a", "b"));
        assertEquals(Set.of("a", "b"), routesWithMeters());
        assertEquals(0, counter("sluice.deliveries", "a", "delivered").count());
        assertEquals(0, counter("sluice.records.consumed", "b", null).count());
    }

    @Test
    void eachOutcomeIsCountedOnceAndOnlyDeliveredEventsAreTimed() {
        stats.follow(List.of("a"));
        end(DeliveryResult.DELIVERED, null, 250, NOW_MS - 2_000);
        end(DeliveryResult.DEAD_LETTERED, null, 10, NOW_MS);
        end(DeliveryResult.ABANDONED, null, 10, NOW_MS);
        end(null, new IllegalStateException("dead-letter write failed"), 10, NOW_MS);
        end(null, null, 10, NOW_MS); // cancelled: no outcome

        assertEquals(5, counter("sluice.records.consumed", "a", null).count());
        assertEquals(1, counter("sluice.deliveries", "a", "delivered").count());
        assertEquals(1, counter("sluice.deliveries", "a", "dead_lettered").count());
        assertEquals(1, counter("sluice.deliveries", "a", "abandoned").count());
        assertEquals(1, counter("sluice.deliveries", "a", "failed").count());
        Timer delivery = registry.get("sluice.delivery.duration").tag("route", "a").timer();
        assertEquals(1, delivery.count());
        assertEquals(250, delivery.totalTime(TimeUnit.MILLISECONDS), 0.001);
        Timer endToEnd = registry.get("sluice.end.to.end").tag("route", "a").timer();
        assertEquals(1, endToEnd.count());
        assertEquals(2_000, endToEnd.totalTime(TimeUnit.MILLISECONDS), 0.001);
    }

    @Test
    void aRecordStampedAheadOfOurClockCountsAsZeroEndToEnd() {
        stats.follow(List.of("a"));
        end(DeliveryResult.DELIVERED, null, 1, NOW_MS + 5_000);
        assertEquals(0, registry.get("sluice.end.to.end").tag("route", "a").timer().totalTime(TimeUnit.MILLISECONDS));
    }

    @Test
    void aRemovedRouteKeepsItsMetersUntilItsLastDeliveryEnds() {
        stats.follow(List.of("a", "b"));
        RouteMeters a1 = stats.begin("a");
        RouteMeters a2 = stats.begin("a");
        stats.follow(List.of("b"));
        assertEquals(Set.of("a", "b"), routesWithMeters(), "deliveries of a are under way");

        a1.onEnd(DeliveryResult.DELIVERED, null, 1, NOW_MS);
        stats.end(a1);
        assertEquals(Set.of("a", "b"), routesWithMeters());
        a2.onEnd(DeliveryResult.DELIVERED, null, 1, NOW_MS);
        stats.end(a2);

        assertEquals(Set.of("b"), routesWithMeters(), "the last delivery of a removed route takes its meters away");
        assertNull(stats.find("a"));
    }

    @Test
    void anIdleRemovedRouteLosesItsMetersAtOnceAndStartsFromZeroWhenAddedBack() {
        stats.follow(List.of("a"));
        RouteMeters first = stats.begin("a");
        first.onEnd(DeliveryResult.DELIVERED, null, 1, NOW_MS);
        stats.end(first);
        stats.follow(List.of("b"));
        assertEquals(Set.of("b"), routesWithMeters());

        stats.follow(List.of("a", "b"));
        assertNotSame(first, stats.find("a"));
        assertEquals(0, counter("sluice.deliveries", "a", "delivered").count());
    }

    @Test
    void aDeliveryBegunWithAnOldSnapshotAfterItsRouteWentIsCountedThenCleanedUp() {
        stats.follow(List.of("b"));
        RouteMeters late = stats.begin("a");
        assertSame(late, stats.find("a"));
        late.onEnd(DeliveryResult.DELIVERED, null, 1, NOW_MS);
        assertEquals(1, counter("sluice.deliveries", "a", "delivered").count());
        stats.end(late);
        assertEquals(Set.of("b"), routesWithMeters());
    }

    @Test
    void closeTakesEveryMeterOutOfTheRegistry() {
        stats.follow(List.of("a", "b"));
        stats.begin("a");
        stats.close();
        assertTrue(registry.getMeters().isEmpty(), () -> registry.getMetersAsString());
    }

    @Test
    void theDeliveryLatencyReadingHasCumulativeBucketsInMillisecondsOnSimpleAndPrometheusRegistries() {
        for (io.micrometer.core.instrument.MeterRegistry r : List.of(new SimpleMeterRegistry(),
                new io.micrometer.prometheus.PrometheusMeterRegistry(io.micrometer.prometheus.PrometheusConfig.DEFAULT))) {
            DeliveryStats s = new DeliveryStats(r, () -> NOW_MS);
            s.follow(List.of("a"));
            for (long ms : new long[] { 3, 7, 7, 40, 2_000 }) {
                RouteMeters m = s.begin("a");
                m.onEnd(DeliveryResult.DELIVERED, null, Duration.ofMillis(ms).toNanos(), NOW_MS);
                s.end(m);
            }
            LatencyReading reading = s.find("a").deliveryLatency();
            assertEquals(5, reading.count(), r.toString());
            assertEquals(5.0, reading.boundsMs()[0], 0.001);
            assertEquals(1, reading.cumulative()[0], "3 ms at or below 5 ms");
            assertEquals(3, reading.cumulative()[1], "and both 7 ms at or below 10 ms");
            int fiftyMs = java.util.Arrays.binarySearch(reading.boundsMs(), 50.0);
            assertEquals(4, reading.cumulative()[fiftyMs]);
            assertEquals(5, reading.cumulative()[reading.cumulative().length - 1]);
            assertEquals(2_000, reading.maxMs(), 0.001);
        }
    }

    private void end(DeliveryResult result, Throwable failure, long millis, long recordTimestampMs) {
        RouteMeters m = stats.begin("a");
        m.onEnd(result, failure, Duration.ofMillis(millis).toNanos(), recordTimestampMs);
        stats.end(m);
    }

    private Counter counter(String name, String route, String outcome) {
        var search = registry.get(name).tag("route", route);
        return outcome == null ? search.counter() : search.tag("outcome", outcome).counter();
    }

    private Set<String> routesWithMeters() {
        return registry.getMeters().stream().map(Meter::getId).map(id -> id.getTag("route")).collect(Collectors.toSet());
    }
}
