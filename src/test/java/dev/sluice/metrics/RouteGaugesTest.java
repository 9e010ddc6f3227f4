package dev.sluice.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.sluice.schedule.InFlightLimit;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;

class RouteGaugesTest {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<String, InFlightLimit> limits = Map.of("a", new InFlightLimit(4, 0), "b", new InFlightLimit(8, 0));
    private final RouteGauges gauges = new RouteGauges(registry, limits::get);

    @Test
    void gaugesFollowTheRoutesInForce() {
        limits.get("a").tryAcquire();
        gauges.follow(List.of("a", "b"));
        String scrape = registry.scrape();
        assertTrue(scrape.contains("sluice_in_flight{route=\"a\",} 1.0"), scrape);
        assertTrue(scrape.contains("sluice_in_flight_limit{route=\"a\",} 4.0"), scrape);
        assertTrue(scrape.contains("sluice_in_flight_limit{route=\"b\",} 8.0"), scrape);

        gauges.follow(List.of("b"));
        scrape = registry.scrape();
        assertFalse(scrape.contains("route=\"a\""), scrape);
        assertTrue(scrape.contains("sluice_in_flight_limit{route=\"b\",} 8.0"), scrape);
    }

    @Test
    void aRouteRemovedAndAddedBackIsRegisteredAgainWithoutError() {
        gauges.follow(List.of("a", "b"));
        gauges.follow(List.of("a", "b"));
        gauges.follow(List.of("b"));
        limits.get("a").resize(6);
        gauges.follow(List.of("a", "b"));
        String scrape = registry.scrape();
        assertTrue(scrape.contains("sluice_in_flight_limit{route=\"a\",} 6.0"), scrape);
        assertEquals(4, registry.getMeters().size(), "two gauges per route, no leftovers");
    }

    @Test
    void aRouteWhoseLimitIsNotInForceYetHasNoValue() {
        gauges.follow(List.of("c"));
        assertTrue(registry.scrape().contains("sluice_in_flight{route=\"c\",} NaN"), registry.scrape());
    }

    @Test
    void noRoutesLeaveNoGauges() {
        KeyedGauges<String> keyed = new KeyedGauges<>(registry, k -> List.of(
                io.micrometer.core.instrument.Gauge.builder("x", () -> 1).tag("k", k).register(registry)));
        keyed.follow(List.of("p", "q"));
        assertEquals(Set.of("p", "q"), keyed.keys());
        keyed.clear();
        assertEquals(Set.of(), keyed.keys());
        assertTrue(registry.getMeters().isEmpty(), () -> registry.scrape());
    }
}
