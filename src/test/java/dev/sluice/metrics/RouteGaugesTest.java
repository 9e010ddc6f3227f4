package dev.sluice.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.sluice.outcome.DeadLetterState;
import dev.sluice.schedule.InFlightLimit;
import dev.sluice.schedule.Lanes;
import dev.sluice.schedule.RouteView;
import dev.sluice.schedule.ScheduleState;
import io.micrometer.prometheus.PrometheusConfig;
import io.smallrye.mutiny.Uni;
import io.micrometer.prometheus.PrometheusMeterRegistry;

class RouteGaugesTest {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<String, InFlightLimit> limits = Map.of("a", new InFlightLimit(4, 0), "b", new InFlightLimit(8, 0));
    private final Map<String, Lanes> lanes = Map.of("a", new Lanes(16), "b", new Lanes(16));

    private ScheduleState.RouteState route(String name) {
        return limits.containsKey(name) ? new RouteView(limits.get(name), () -> 0, lanes.get(name)) : null;
    }
    private final RouteGauges gauges = new RouteGauges(registry, this::route);

    @Test
    void gaugesFollowTheRoutesInForce() {
        limits.get("a").tryAcquire();
        gauges.follow(List.of("a", "b"));
        String scrape = registry.scrape();
        assertTrue(scrape.contains("sluice_in_flight{route=\"a\",} 1.0"), scrape);
        assertTrue(scrape.contains("sluice_in_flight_limit{route=\"a\",} 4.0"), scrape);
        assertTrue(scrape.contains("sluice_in_flight_limit{route=\"b\",} 8.0"), scrape);
        assertTrue(scrape.contains("sluice_lane_waiting{route=\"a\",} 0.0"), scrape);

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
        assertEquals(12, registry.getMeters().size(), "six gauges per route, no leftovers");
    }

    @Test
    void aRouteIsDegradedWhileItsDeadLetterTopicIsMissingAndNotAfter() {
        DeadLetterState deadLetters = new DeadLetterState();
        RouteGauges withState = new RouteGauges(registry, this::route, deadLetters);
        withState.follow(List.of("a", "b"));
        deadLetters.topicProblem("a", "a.dlq", "dead-letter topic 'a.dlq' does not exist");
        String scrape = registry.scrape();
        assertTrue(scrape.contains("sluice_route_degraded{route=\"a\",} 1.0"), scrape);
        assertTrue(scrape.contains("sluice_route_degraded{route=\"b\",} 0.0"), scrape);
        assertTrue(scrape.contains("sluice_dead_letter_held{route=\"a\",} 0.0"), scrape);
        deadLetters.topicOk("a");
        assertTrue(registry.scrape().contains("sluice_route_degraded{route=\"a\",} 0.0"), registry.scrape());
    }

    @Test
    void recordsWaitingForTheirLaneAreCounted() {
        gauges.follow(List.of("a"));
        // one record of key k runs (never completes here), two more of k wait behind it
        for (int i = 0; i < 3; i++) {
            lanes.get("a").submit(new dev.sluice.pipeline.LaneKey.Partition("t", 0), () -> Uni.createFrom().nothing()).subscribe().with(x -> { });
        }
        assertTrue(registry.scrape().contains("sluice_lane_waiting{route=\"a\",} 2.0"), registry.scrape());
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
