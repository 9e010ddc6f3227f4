package dev.sluice.route;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import dev.sluice.config.Route;
import dev.sluice.config.SluiceConfig;
import dev.sluice.pipeline.Event;

/**
 * Matches events against the routes of one config snapshot. Immutable: a new snapshot gets a new
 * router, built once, so matching is a map look-up.
 */
public final class Router {
    private final Map<String, List<Route>> routesByTopic;

    public Router(SluiceConfig config) {
        this.routesByTopic = config.routes().stream()
                .flatMap(r -> r.topics().stream().map(t -> Map.entry(t, r)))
                .collect(Collectors.groupingBy(Map.Entry::getKey,
                        Collectors.mapping(Map.Entry::getValue, Collectors.toUnmodifiableList())));
    }

    /** The routes this event goes to, in config order; empty when none does. */
    public List<Route> match(Event event) {
        return routesByTopic.getOrDefault(event.topic(), List.of());
    }
}
