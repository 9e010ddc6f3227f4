package dev.sluice.metrics;

import java.util.Collection;
import java.util.List;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

import dev.sluice.schedule.InFlightLimit;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * {@code sluice_in_flight{route}} and {@code sluice_in_flight_limit{route}} for exactly the routes
 * of the config in force (see {@link KeyedGauges}). Each gauge looks its route's limit up by name
 * on every scrape, so it never holds on to a limit object and reads nothing while no scrape runs.
 */
public final class RouteGauges {
    static final String IN_FLIGHT = "sluice.in.flight";
    static final String LIMIT = "sluice.in.flight.limit";

    private final MeterRegistry registry;
    private final Function<String, InFlightLimit> limits;
    private final KeyedGauges<String> gauges;

    /** {@code limits} gives a route's limit by name, null when the route is unknown. */
    public RouteGauges(MeterRegistry registry, Function<String, InFlightLimit> limits) {
        this.registry = registry;
        this.limits = limits;
        this.gauges = new KeyedGauges<>(registry, route -> List.of(
                gauge(IN_FLIGHT, route, InFlightLimit::inFlight, "Requests of this route on the wire now"),
                gauge(LIMIT, route, InFlightLimit::limit, "Most requests of this route on the wire at once")));
    }

    /** Makes the gauges match {@code routes}, the route names of the config now in force. */
    public void follow(Collection<String> routes) {
        gauges.follow(routes);
    }

    private Meter gauge(String name, String route, ToDoubleFunction<InFlightLimit> read, String description) {
        // NaN (no sample) in the moment between a route's config and its limit being in force
        return Gauge.builder(name, () -> {
            InFlightLimit limit = limits.apply(route);
            return limit == null ? Double.NaN : read.applyAsDouble(limit);
        }).tag("route", route).description(description).register(registry);
    }
}
