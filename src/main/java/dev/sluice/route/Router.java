package dev.sluice.route;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import dev.sluice.config.Route;
import dev.sluice.config.RouteFilter;
import dev.sluice.config.SluiceConfig;
import dev.sluice.pipeline.Event;

/**
 * Matches events against the routes of one config snapshot: first by topic, then by each route's
 * filters ({@link RouteFilter}). Immutable: a new snapshot gets a new router, built once, so the
 * topic match is a map look-up and a snapshot whose routes have no filters costs nothing more.
 *
 * <p>Filters run on the thread that dispatches records, in offset order, before the record takes
 * a lane or a permit, so a declined record never waits behind the route's other records. Their
 * cost is bounded: a binary-mode record's attributes are header look-ups, and a structured-mode
 * value is parsed there only up to {@value #INLINE_BYTES} bytes (microseconds). A larger one is
 * {@link Verdict#DEFER deferred}: its record takes its lane, and is decided on a worker thread
 * ({@link #decide}) when its turn comes, so the event loop never parses a large value.
 */
public final class Router {
    /** Structured-mode values up to this size are parsed on the dispatching thread; larger ones on a worker. */
    public static final int INLINE_BYTES = 64 * 1024;
    static final String FAILED = "filter-failed: ";

    private final Map<String, List<Route>> routesByTopic;
    private final boolean filtering;

    public Router(SluiceConfig config) {
        this.routesByTopic = config.routes().stream()
                .flatMap(r -> r.topics().stream().map(t -> Map.entry(t, r)))
                .collect(Collectors.groupingBy(Map.Entry::getKey,
                        Collectors.mapping(Map.Entry::getValue, Collectors.toUnmodifiableList())));
        this.filtering = config.routes().stream().anyMatch(r -> !r.filters().isEmpty());
    }

    /** Whether a route takes a record. */
    public record Verdict(Kind kind, String reason) {
        public enum Kind {
            /** Deliver it. */
            TAKE,
            /** The filters declined it: done with for this route. */
            DECLINE,
            /** The filters could not be evaluated on it ({@link #reason}): dead-letter it. */
            FAIL,
            /** Not decided yet: a large structured value, decided on a worker ({@link #decide}). */
            DEFER
        }

        public static final Verdict TAKE = new Verdict(Kind.TAKE, null);
        public static final Verdict DECLINE = new Verdict(Kind.DECLINE, null);
        public static final Verdict DEFER = new Verdict(Kind.DEFER, null);

        static Verdict fail(String reason) {
            return new Verdict(Kind.FAIL, FAILED + reason);
        }
    }

    /** The routes this event's topic goes to, in config order; empty when none does. */
    public List<Route> match(Event event) {
        return routesByTopic.getOrDefault(event.topic(), List.of());
    }

    /** Whether any route of the snapshot has filters; when none has, every matched route takes every record. */
    public boolean filtering() {
        return filtering;
    }

    /**
     * What each of {@code routes} (the event's {@link #match}) does with the event, in the same
     * order, decided on the calling thread: a large structured value is {@link Verdict#DEFER}.
     * The record's attributes are read once for all routes.
     */
    public Verdict[] select(Event event, List<Route> routes) {
        Verdict[] verdicts = new Verdict[routes.size()];
        boolean defer = RecordAttributes.structured(event) && event.value() != null && event.value().length > INLINE_BYTES;
        RecordAttributes attributes = null;
        String malformed = null;
        for (int i = 0; i < verdicts.length; i++) {
            List<RouteFilter> filters = routes.get(i).filters();
            if (filters.isEmpty()) {
                verdicts[i] = Verdict.TAKE;
            } else if (defer) {
                verdicts[i] = Verdict.DEFER;
            } else {
                if (attributes == null && malformed == null) {
                    try {
                        attributes = RecordAttributes.of(event);
                    } catch (RecordAttributes.MalformedException e) {
                        malformed = e.getMessage();
                    }
                }
                verdicts[i] = malformed != null ? Verdict.fail(malformed) : verdict(filters, attributes);
            }
        }
        return verdicts;
    }

    /** The route's verdict on the event, whatever its size: CPU work proportional to a structured value, for a worker. */
    public static Verdict decide(Route route, Event event) {
        if (route.filters().isEmpty()) {
            return Verdict.TAKE;
        }
        try {
            return verdict(route.filters(), RecordAttributes.of(event));
        } catch (RecordAttributes.MalformedException e) {
            return Verdict.fail(e.getMessage());
        }
    }

    private static Verdict verdict(List<RouteFilter> filters, RecordAttributes attributes) {
        try {
            for (RouteFilter f : filters) {
                if (!f.matches(attributes)) {
                    return Verdict.DECLINE;
                }
            }
            return Verdict.TAKE;
        } catch (RuntimeException e) {
            // a filter must never stop the stream: one that throws on a record dead-letters it
            return Verdict.fail("filter threw " + e.getClass().getSimpleName());
        }
    }
}
