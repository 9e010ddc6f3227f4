package dev.sluice.metrics;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

import dev.sluice.schedule.InFlightLimit;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * {@code sluice_in_flight{route}} and {@code sluice_in_flight_limit{route}} for exactly the routes
 * of the config in force: {@link #follow} registers the gauges of new routes and removes those of
 * routes that are gone, so a removed route leaves no stale series and one added back registers
 * afresh. Each gauge looks its route's limit up by name on every scrape, so it never holds on to
 * a limit object and reads nothing while no scrape runs.
 */
public final class RouteGauges {
    static final String IN_FLIGHT = "sluice.in.flight";
    static final String LIMIT = "sluice.in.flight.limit";

    private final MeterRegistry registry;
    private final Function<String, InFlightLimit> limits;
    private final Map<String, List<Meter>> byRoute = new HashMap<>();

    /** {@code limits} gives a route's limit by name, null when the route is unknown. */
    public RouteGauges(MeterRegistry registry, Function<String, InFlightLimit> limits) {
        this.registry = registry;
        this.limits = limits;
    }

    /** Makes the gauges match {@code routes}, the route names of the config now in force. */
    public synchronized void follow(Collection<String> routes) {
        Set<String> next = Set.copyOf(routes);
        byRoute.entrySet().removeIf(e -> {
            if (next.contains(e.getKey())) {
                return false;
            }
            e.getValue().forEach(registry::remove);
            return true;
        });
        for (String route : next) {
            byRoute.computeIfAbsent(route, r -> List.of(
                    gauge(IN_FLIGHT, r, InFlightLimit::inFlight, "Requests of this route on the wire now"),
                    gauge(LIMIT, r, InFlightLimit::limit, "Most requests of this route on the wire at once")));
        }
    }

    private Meter gauge(String name, String route, ToDoubleFunction<InFlightLimit> read, String description) {
        // NaN (no sample) in the moment between a route's config and its limit being in force
        return Gauge.builder(name, () -> {
            InFlightLimit limit = limits.apply(route);
            return limit == null ? Double.NaN : read.applyAsDouble(limit);
        }).tag("route", route).description(description).register(registry);
    }
}
