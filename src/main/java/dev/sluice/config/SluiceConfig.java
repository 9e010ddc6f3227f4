package dev.sluice.config;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * An immutable, validated configuration snapshot. The pipeline reads only snapshots, so a whole
 * new one can replace the old one at run time (live reconfiguration swaps the reference).
 */
public record SluiceConfig(int maxInFlight, List<Route> routes) {

    /** The Kafka producer behind dead-letter writes bounds its queue; so do we. */
    public static final int MAX_IN_FLIGHT_CEILING = 4096;
    /** Highest {@code sluice.max-waiting} and {@code sluice.max-waiting-per-partition}. */
    public static final int MAX_WAITING_CEILING = 4096;
    /**
     * Most records Sluice ever holds: in flight plus parked behind lanes. Every queue of waiters
     * (lanes, route permits, rate tokens) is capped at this, so no valid setting can overflow one.
     */
    public static final int MAX_HELD = MAX_IN_FLIGHT_CEILING + MAX_WAITING_CEILING;
    /** Most routes in one snapshot; a config document is kilobytes, so this bounds what input can grow. */
    public static final int MAX_ROUTES = 500;
    /** Most source topics of one route. */
    public static final int MAX_TOPICS_PER_ROUTE = 100;
    /** Longest target URL. */
    static final int MAX_URL_LENGTH = 2048;

    /**
     * Checks every field: a snapshot that exists is valid. Field paths are JSON paths
     * ({@code routes[1].name}); the readers of documents and startup properties report problems in
     * their own spelling before they build one.
     *
     * @throws InvalidConfigException listing every problem
     */
    public SluiceConfig {
        routes = List.copyOf(routes);
        List<ConfigProblem> problems = check(maxInFlight, routes.stream().map(RouteDraft::of).toList(), PathStyle.JSON);
        if (!problems.isEmpty()) {
            throw new InvalidConfigException(problems);
        }
    }

    /** Checks the drafts (a test's or a reader's) and builds the snapshot, or throws listing every problem. */
    static SluiceConfig validated(int maxInFlight, List<RouteDraft> routes, PathStyle paths) {
        return validated(maxInFlight, routes, paths, List.of(), 0);
    }

    /**
     * As {@link #validated(int, List, PathStyle)}, adding the problems a reader found before the
     * drafts could be built (malformed values, for which defaults stood in), of which
     * {@code unlisted} more were only counted: all are reported together, and a field already
     * reported as malformed is not reported again.
     */
    static SluiceConfig validated(int maxInFlight, List<RouteDraft> routes, PathStyle paths, List<ConfigProblem> earlier,
            int unlisted) {
        List<ConfigProblem> problems = new ArrayList<>(earlier);
        Set<String> reported = new HashSet<>();
        earlier.forEach(p -> reported.add(p.field()));
        check(maxInFlight, routes, paths).stream().filter(p -> !reported.contains(p.field())).forEach(problems::add);
        if (!problems.isEmpty() || unlisted > 0) {
            throw new InvalidConfigException(problems, unlisted);
        }
        return new SluiceConfig(maxInFlight, routes.stream().map(RouteDraft::route).toList());
    }

    private static List<ConfigProblem> check(int maxInFlight, List<RouteDraft> routes, PathStyle paths) {
        List<ConfigProblem> problems = new ArrayList<>();
        ConfigKey.MAX_IN_FLIGHT.check(problems, paths.root(""), maxInFlight);
        if (routes.isEmpty()) {
            problems.add(new ConfigProblem(paths.root("routes"), "at least one route is required"));
        } else if (routes.size() > MAX_ROUTES) {
            problems.add(new ConfigProblem(paths.root("routes"), "at most " + MAX_ROUTES + " routes, was " + routes.size()));
            return problems;
        }
        Set<String> sourceTopics = new HashSet<>();
        routes.stream().filter(r -> r.topics() != null).forEach(r -> sourceTopics.addAll(r.topics()));
        RouteDraft.Peers peers = new RouteDraft.Peers(maxInFlight, paths.root("max-in-flight"), new HashSet<>(), sourceTopics);
        for (int i = 0; i < routes.size(); i++) {
            routes.get(i).check(problems, paths.route(i, routes.get(i).name()), peers);
        }
        return problems;
    }

    /** Source topics of all routes, each once, in route order. */
    public List<String> sourceTopics() {
        return routes.stream().flatMap(r -> r.topics().stream()).distinct().toList();
    }

    static URI parseUrl(String url) {
        if (url == null) {
            return null;
        }
        if (url.length() > MAX_URL_LENGTH) {
            return URI.create("too-long:" + url.length());
        }
        try {
            return new URI(url.trim());
        } catch (Exception e) {
            // kept as an opaque, unusable URI so that validation reports it with its field path
            return URI.create("invalid:" + Integer.toHexString(url.hashCode()));
        }
    }

    /** How field paths are spelled: as properties at startup, as JSON paths for the admin API. */
    public enum PathStyle {
        PROPERTIES {
            @Override
            String root(String field) {
                return "sluice." + field;
            }

            @Override
            String route(int index, String name) {
                return "sluice.routes." + name + ".";
            }
        },
        JSON {
            @Override
            String root(String field) {
                return field;
            }

            @Override
            String route(int index, String name) {
                return "routes[" + index + "].";
            }
        };

        abstract String root(String field);

        abstract String route(int index, String name);
    }
}
