package dev.sluice.metrics;

import java.util.Collection;
import java.util.List;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

import dev.sluice.outcome.DeadLetterState;
import dev.sluice.schedule.ScheduleState;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * {@code sluice_in_flight{route}}, {@code sluice_in_flight_limit{route}},
 * {@code sluice_lane_waiting{route}}, {@code sluice_route_degraded{route}} and
 * {@code sluice_dead_letter_held{route}} for exactly the routes of the config in force (see
 * {@link KeyedGauges}). Each gauge looks its route's limit or lanes up by name on every scrape, so
 * it never holds on to them and reads nothing while no scrape runs.
 */
public final class RouteGauges {
    static final String IN_FLIGHT = "sluice.in.flight";
    static final String LIMIT = "sluice.in.flight.limit";
    static final String LANE_WAITING = "sluice.lane.waiting";
    static final String LANES = "sluice.lanes";
    static final String DEGRADED = "sluice.route.degraded";
    static final String HELD = "sluice.dead.letter.held";

    private final MeterRegistry registry;
    private final KeyedGauges<String> gauges;

    /** {@code routes} gives a route's scheduling figures by name, null when the route is unknown. */
    public RouteGauges(MeterRegistry registry, Function<String, ScheduleState.RouteState> routes) {
        this(registry, routes, new DeadLetterState());
    }

    /** As above; {@code deadLetters} says which routes are degraded and what they hold. */
    public RouteGauges(MeterRegistry registry, Function<String, ScheduleState.RouteState> routes, DeadLetterState deadLetters) {
        this.registry = registry;
        Function<String, DeadLetterState> state = route -> deadLetters;
        this.gauges = new KeyedGauges<>(registry, route -> List.of(
                gauge(IN_FLIGHT, route, routes, ScheduleState.RouteState::inFlight, "Requests of this route on the wire now"),
                gauge(LIMIT, route, routes, ScheduleState.RouteState::limit, "Most requests of this route on the wire at once"),
                gauge(LANE_WAITING, route, routes, ScheduleState.RouteState::behindLanes,
                        "Records of this route waiting for their lane: an earlier one of the same key or partition is under way"),
                gauge(LANES, route, routes, ScheduleState.RouteState::lanes,
                        "Ordering lanes of this route with a record under way or waiting (idle lanes are dropped)"),
                gauge(DEGRADED, route, state, d -> d.isDegraded(route) ? 1 : 0,
                        "1 while the route cannot write its dead letters (topic missing, writes failing), else 0"),
                gauge(HELD, route, state, d -> d.held(route),
                        "Records of this route held unacked until their dead letter can be written")));
    }

    /** Makes the gauges match {@code routes}, the route names of the config now in force. */
    public void follow(Collection<String> routes) {
        gauges.follow(routes);
    }

    private <T> Meter gauge(String name, String route, Function<String, T> lookup, ToDoubleFunction<T> read,
            String description) {
        // NaN (no sample) in the moment between a route's config and its limit being in force
        return Gauge.builder(name, () -> {
            T source = lookup.apply(route);
            return source == null ? Double.NaN : read.applyAsDouble(source);
        }).tag("route", route).description(description).register(registry);
    }
}
