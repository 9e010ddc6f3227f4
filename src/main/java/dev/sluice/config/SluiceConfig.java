package dev.sluice.config;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

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
    static final Duration MIN_TIMEOUT = Duration.ofMillis(10);
    static final Duration MAX_TIMEOUT = Duration.ofMinutes(10);
    static final Duration MAX_BACKOFF_CEILING = Duration.ofHours(1);
    private static final Pattern ROUTE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");
    private static final Pattern TOPIC_NAME = Pattern.compile("[A-Za-z0-9._-]{1,249}");

    public SluiceConfig {
        routes = List.copyOf(routes);
    }

    /** Checks every field and returns the snapshot, or throws listing every problem with its path. */
    public static SluiceConfig validated(int maxInFlight, List<Route> routes, PathStyle paths) {
        return validated(maxInFlight, routes, paths, List.of());
    }

    /**
     * As {@link #validated(int, List, PathStyle)}, adding the problems a reader found before the
     * snapshot could be built (malformed values, for which defaults stood in): all are reported
     * together, and a field already reported as malformed is not reported again.
     */
    static SluiceConfig validated(int maxInFlight, List<Route> routes, PathStyle paths, List<ConfigProblem> earlier) {
        return validated(maxInFlight, routes, paths, earlier, 0);
    }

    /** As above; {@code unlisted} more problems were found earlier than {@code earlier} holds. */
    static SluiceConfig validated(int maxInFlight, List<Route> routes, PathStyle paths, List<ConfigProblem> earlier,
            int unlisted) {
        List<ConfigProblem> problems = new ArrayList<>(earlier);
        Set<String> reported = new HashSet<>();
        earlier.forEach(p -> reported.add(p.field()));
        List<ConfigProblem> found = check(maxInFlight, routes, paths);
        found.stream().filter(p -> !reported.contains(p.field())).forEach(problems::add);
        if (!problems.isEmpty() || unlisted > 0) {
            throw new InvalidConfigException(problems, unlisted);
        }
        return new SluiceConfig(maxInFlight, routes);
    }

    private static List<ConfigProblem> check(int maxInFlight, List<Route> routes, PathStyle paths) {
        List<ConfigProblem> problems = new ArrayList<>();
        if (maxInFlight < 1 || maxInFlight > MAX_IN_FLIGHT_CEILING) {
            problems.add(new ConfigProblem(paths.root("max-in-flight"),
                    "must be between 1 and " + MAX_IN_FLIGHT_CEILING + ", was " + maxInFlight));
        }
        if (routes.isEmpty()) {
            problems.add(new ConfigProblem(paths.root("routes"), "at least one route is required"));
        } else if (routes.size() > MAX_ROUTES) {
            problems.add(new ConfigProblem(paths.root("routes"), "at most " + MAX_ROUTES + " routes, was " + routes.size()));
            return problems;
        }
        Set<String> names = new HashSet<>();
        Set<String> sourceTopics = new HashSet<>();
        routes.forEach(r -> sourceTopics.addAll(r.topics()));
        for (int i = 0; i < routes.size(); i++) {
            Route r = routes.get(i);
            String p = paths.route(i, r.name());
            if (r.name() == null || !ROUTE_NAME.matcher(r.name()).matches()) {
                problems.add(new ConfigProblem(p + "name", "must match " + ROUTE_NAME.pattern()));
            } else if (!names.add(r.name())) {
                problems.add(new ConfigProblem(p + "name", "duplicate route name '" + r.name() + "'"));
            }
            if (r.topics().isEmpty()) {
                problems.add(new ConfigProblem(p + "topics", "at least one topic is required"));
            } else if (r.topics().size() > MAX_TOPICS_PER_ROUTE) {
                problems.add(new ConfigProblem(p + "topics",
                        "at most " + MAX_TOPICS_PER_ROUTE + " topics, was " + r.topics().size()));
            }
            for (int t = 0; t < r.topics().size(); t++) {
                checkTopic(problems, p + "topics[" + t + "]", r.topics().get(t));
            }
            checkUrl(problems, p + "target.url", r.targetUrl());
            if (r.maxInFlight() < 1 || r.maxInFlight() > maxInFlight) {
                problems.add(new ConfigProblem(p + "max-in-flight", "must be between 1 and the global "
                        + paths.root("max-in-flight") + " (" + maxInFlight + "), was " + r.maxInFlight()));
            }
            checkRange(problems, p + "timeout", r.timeout(), MIN_TIMEOUT, MAX_TIMEOUT);
            checkRetry(problems, p + "retry.", r.retry());
            if (checkTopic(problems, p + "dead-letter-topic", r.deadLetterTopic())
                    && sourceTopics.contains(r.deadLetterTopic())) {
                problems.add(new ConfigProblem(p + "dead-letter-topic",
                        "'" + r.deadLetterTopic() + "' is also a source topic; dead letters would loop"));
            }
            if (r.expects() == null) {
                problems.add(new ConfigProblem(p + "expects", "is required (one of " + Expects.choices() + ")"));
            }
            if (r.ordering() == null) {
                problems.add(new ConfigProblem(p + "ordering", "is required (one of key, partition, none)"));
            }
            if (r.maxValueBytes() < 1) {
                problems.add(new ConfigProblem(p + "max-value-bytes", "must be greater than 0, was " + r.maxValueBytes()));
            }
            checkForwardHeaders(problems, p + "forward-headers", r.forwardHeaders());
            checkConcurrency(problems, p, r.concurrency());
            checkRateLimit(problems, p + "rate-limit.", r.rateLimit());
        }
        return problems;
    }

    private static final Pattern HEADER_PREFIX = Pattern.compile("[!#$%&'*+.^_`|~0-9a-z-]{1,100}");

    private static void checkForwardHeaders(List<ConfigProblem> problems, String field, List<String> prefixes) {
        if (prefixes.size() > Route.MAX_FORWARD_HEADERS) {
            problems.add(new ConfigProblem(field, "at most " + Route.MAX_FORWARD_HEADERS + " prefixes, was " + prefixes.size()));
            return;
        }
        for (int i = 0; i < prefixes.size(); i++) {
            String prefix = prefixes.get(i);
            if (prefix == null || !HEADER_PREFIX.matcher(prefix).matches()) {
                problems.add(new ConfigProblem(field + "[" + i + "]",
                        "not a header name prefix (1 to 100 characters of an HTTP token): " + ConfigProblem.quote(prefix)));
            }
        }
    }

    private static void checkConcurrency(List<ConfigProblem> problems, String p, Concurrency c) {
        if (c == null || c.mode() == null) {
            problems.add(new ConfigProblem(p + "concurrency", "is required (one of fixed, adaptive)"));
        }
        if (c == null) {
            return;
        }
        boolean minInRange = checkLimit(problems, p + "adaptive.min", c.adaptiveMin());
        boolean maxInRange = checkLimit(problems, p + "adaptive.max", c.adaptiveMax());
        if (minInRange && maxInRange && c.adaptiveMin() > c.adaptiveMax()) {
            problems.add(new ConfigProblem(p + "adaptive.min",
                    "must not exceed adaptive.max (" + c.adaptiveMax() + "), was " + c.adaptiveMin()));
        }
    }

    private static boolean checkLimit(List<ConfigProblem> problems, String field, int value) {
        if (value < 1 || value > MAX_IN_FLIGHT_CEILING) {
            problems.add(new ConfigProblem(field, "must be between 1 and " + MAX_IN_FLIGHT_CEILING + ", was " + value));
            return false;
        }
        return true;
    }

    private static void checkRateLimit(List<ConfigProblem> problems, String p, RateLimit rate) {
        if (rate == null) {
            problems.add(new ConfigProblem(p.substring(0, p.length() - 1), "is required"));
            return;
        }
        if (rate.perSecond() < 0 || rate.perSecond() > RateLimit.CEILING) {
            problems.add(new ConfigProblem(p + "per-second",
                    "must be between 0 (off) and " + RateLimit.CEILING + ", was " + rate.perSecond()));
        } else if (rate.perSecond() == 0 && rate.burst() != 0) {
            problems.add(new ConfigProblem(p + "burst", "has no effect without per-second; was " + rate.burst()));
        } else if (rate.perSecond() > 0 && (rate.burst() < 1 || rate.burst() > RateLimit.CEILING)) {
            problems.add(new ConfigProblem(p + "burst",
                    "must be between 1 and " + RateLimit.CEILING + ", was " + rate.burst()));
        }
    }

    /** Builds and validates the seed snapshot from startup settings ({@code sluice.*}). */
    public static SluiceConfig fromSettings(SluiceSettings s) {
        List<Route> routes = new ArrayList<>();
        List<ConfigProblem> malformed = new ArrayList<>();
        // sorted so that error messages and logs list routes in a stable order
        for (Map.Entry<String, SluiceSettings.RouteSettings> e : new TreeMap<>(s.routes()).entrySet()) {
            SluiceSettings.RouteSettings r = e.getValue();
            SluiceSettings.RetrySettings retry = r.retry();
            Expects expects = Expects.parse(r.expects()).orElse(null);
            if (expects == null) {
                malformed.add(Expects.notOneOf(PathStyle.PROPERTIES.route(routes.size(), e.getKey()) + "expects", r.expects()));
            }
            Ordering ordering = Ordering.parse(r.ordering()).orElse(null);
            if (ordering == null) {
                malformed.add(Ordering.notOneOf(PathStyle.PROPERTIES.route(routes.size(), e.getKey()) + "ordering", r.ordering()));
            }
            Concurrency.Mode mode = Concurrency.Mode.parse(r.concurrency()).orElse(null);
            if (mode == null) {
                malformed.add(Concurrency.Mode.notOneOf(PathStyle.PROPERTIES.route(routes.size(), e.getKey()) + "concurrency",
                        r.concurrency()));
            }
            int perSecond = r.rateLimit().perSecond();
            routes.add(new Route(e.getKey(), r.topics(), parseUrl(r.target().url().orElse(null)), r.maxInFlight(),
                    r.timeout(), new RetryPolicy(retry.maxAttempts(), retry.initialBackoff(), retry.maxBackoff(),
                            retry.jitter()),
                    r.deadLetterTopic(), expects, r.maxValueBytes(), ordering,
                    new Concurrency(mode, r.adaptive().min(), r.adaptive().max().orElse(r.maxInFlight())),
                    new RateLimit(perSecond, r.rateLimit().burst().orElse(perSecond)),
                    r.forwardHeaders().orElse(List.of())));
        }
        // startup-only settings, checked here so that every startup problem is listed together
        if (s.maxWaiting() < 0 || s.maxWaiting() > MAX_WAITING_CEILING) {
            malformed.add(new ConfigProblem("sluice.max-waiting",
                    "must be between 0 and " + MAX_WAITING_CEILING + ", was " + s.maxWaiting()));
        }
        if (s.maxWaitingPerPartition() < 1 || s.maxWaitingPerPartition() > MAX_WAITING_CEILING) {
            malformed.add(new ConfigProblem("sluice.max-waiting-per-partition",
                    "must be between 1 and " + MAX_WAITING_CEILING + ", was " + s.maxWaitingPerPartition()));
        }
        return validated(s.maxInFlight(), routes, PathStyle.PROPERTIES, malformed);
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

    private static void checkUrl(List<ConfigProblem> problems, String field, URI url) {
        if (url == null) {
            problems.add(new ConfigProblem(field, "is required"));
            return;
        }
        String scheme = url.getScheme();
        if ("too-long".equals(scheme)) {
            problems.add(new ConfigProblem(field, "longer than " + MAX_URL_LENGTH + " characters (" + url.getSchemeSpecificPart() + ")"));
            return;
        }
        if (!url.isAbsolute() || url.getHost() == null
                || !("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme))) {
            problems.add(new ConfigProblem(field, "not an absolute http(s) URL"));
        } else if (UrlRedaction.carriesMark(url)) {
            problems.add(new ConfigProblem(field, "holds a redacted part (" + UrlRedaction.MARK
                    + ") as shown by GET /admin/config; give the real value"));
        }
    }

    private static boolean checkTopic(List<ConfigProblem> problems, String field, String topic) {
        if (topic == null || !TOPIC_NAME.matcher(topic).matches() || topic.equals(".") || topic.equals("..")) {
            problems.add(new ConfigProblem(field, "not a valid Kafka topic name: " + ConfigProblem.quote(topic)));
            return false;
        }
        return true;
    }

    private static void checkRetry(List<ConfigProblem> problems, String p, RetryPolicy retry) {
        if (retry.maxAttempts() < 1 || retry.maxAttempts() > 100) {
            problems.add(new ConfigProblem(p + "max-attempts", "must be between 1 and 100, was " + retry.maxAttempts()));
        }
        checkRange(problems, p + "initial-backoff", retry.initialBackoff(), Duration.ofMillis(1), MAX_BACKOFF_CEILING);
        checkRange(problems, p + "max-backoff", retry.maxBackoff(), Duration.ofMillis(1), MAX_BACKOFF_CEILING);
        if (retry.initialBackoff() != null && retry.maxBackoff() != null
                && retry.initialBackoff().compareTo(retry.maxBackoff()) > 0) {
            problems.add(new ConfigProblem(p + "initial-backoff", "must not exceed max-backoff"));
        }
        if (!(retry.jitter() >= 0 && retry.jitter() <= 1)) {
            problems.add(new ConfigProblem(p + "jitter", "must be between 0 and 1, was " + retry.jitter()));
        }
    }

    private static void checkRange(List<ConfigProblem> problems, String field, Duration d, Duration min, Duration max) {
        if (d == null) {
            problems.add(new ConfigProblem(field, "is required"));
        } else if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
            problems.add(new ConfigProblem(field, "must be between " + min + " and " + max + ", was " + d));
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
