package dev.sluice.config;

import java.net.URI;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A route's values as read, before they are checked: what {@link ConfigReader} builds (defaults
 * standing in for malformed values, so every other field is still checked), and what a
 * {@link Route} checks on construction. The checks live here, once, for both; the values within
 * retry, concurrency and rate limit are checked by their own constructors, so a draft holds them
 * valid or not at all.
 */
record RouteDraft(String name, List<String> topics, URI targetUrl, int maxInFlight, Duration timeout,
        RetryPolicy retry, String deadLetterTopic, Expects expects, int maxValueBytes, Ordering ordering,
        Concurrency concurrency, RateLimit rateLimit, List<String> forwardHeaders, Credentials credentials,
        List<RouteFilter> filters, boolean paused) {

    private static final Pattern ROUTE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");
    private static final Pattern TOPIC_NAME = Pattern.compile("[A-Za-z0-9._-]{1,249}");
    private static final Pattern HEADER_PREFIX = Pattern.compile("[!#$%&'*+.^_`|~0-9a-z-]{1,100}");

    /**
     * The other routes of the snapshot a route is checked in: the global limit, the names seen so far
     * (a duplicate is reported at the later route) and every route's source topics.
     */
    record Peers(int maxInFlight, String maxInFlightField, Set<String> names, Set<String> sourceTopics) {
    }

    static RouteDraft of(Route r) {
        return new RouteDraft(r.name(), r.topics(), r.targetUrl(), r.maxInFlight(), r.timeout(), r.retry(),
                r.deadLetterTopic(), r.expects(), r.maxValueBytes(), r.ordering(), r.concurrency(), r.rateLimit(),
                r.forwardHeaders(), r.credentials(), r.filters(), r.paused());
    }

    /** The route; call only once {@link #check} found nothing. */
    Route route() {
        return new Route(name, topics, targetUrl, maxInFlight, timeout, retry, deadLetterTopic, expects, maxValueBytes,
                ordering, concurrency, rateLimit, forwardHeaders, credentials, filters, paused);
    }

    /**
     * Adds this route's problems to {@code problems}, each field prefixed with {@code p}; with
     * {@code peers} null the route is checked alone (a {@link Route} under construction).
     */
    void check(List<ConfigProblem> problems, String p, Peers peers) {
        if (name == null || !ROUTE_NAME.matcher(name).matches()) {
            problems.add(new ConfigProblem(p + "name", "must match " + ROUTE_NAME.pattern()));
        } else if (peers != null && !peers.names().add(name)) {
            problems.add(new ConfigProblem(p + "name", "duplicate route name '" + name + "'"));
        }
        if (topics == null || topics.isEmpty()) {
            problems.add(new ConfigProblem(p + "topics", "at least one topic is required"));
        } else if (topics.size() > SluiceConfig.MAX_TOPICS_PER_ROUTE) {
            problems.add(new ConfigProblem(p + "topics",
                    "at most " + SluiceConfig.MAX_TOPICS_PER_ROUTE + " topics, was " + topics.size()));
        } else {
            for (int t = 0; t < topics.size(); t++) {
                checkTopic(problems, p + "topics[" + t + "]", topics.get(t));
            }
        }
        checkUrl(problems, p + "target.url", targetUrl);
        // at most the global limit; a route built alone, at most the highest global limit
        int lowest = (Integer) ConfigKey.ROUTE_MAX_IN_FLIGHT.min();
        if (peers == null) {
            checkInt(problems, p + ConfigKey.ROUTE_MAX_IN_FLIGHT.path(), lowest, ConfigKey.MAX_IN_FLIGHT.max(), maxInFlight);
        } else if (maxInFlight < lowest || maxInFlight > peers.maxInFlight()) {
            problems.add(new ConfigProblem(p + "max-in-flight", "must be between " + lowest + " and the global "
                    + peers.maxInFlightField() + " (" + peers.maxInFlight() + "), was " + maxInFlight));
        }
        ConfigKey.TIMEOUT.check(problems, p, timeout);
        if (retry == null) {
            problems.add(new ConfigProblem(p + "retry", "is required"));
        }
        Collection<String> sources = peers != null ? peers.sourceTopics() : topics == null ? List.of() : topics;
        if (checkTopic(problems, p + "dead-letter-topic", deadLetterTopic) && sources.contains(deadLetterTopic)) {
            problems.add(new ConfigProblem(p + "dead-letter-topic",
                    "'" + deadLetterTopic + "' is also a source topic; dead letters would loop"));
        }
        if (expects == null) {
            problems.add(new ConfigProblem(p + "expects", "is required (one of " + Expects.choices() + ")"));
        }
        if (ordering == null) {
            problems.add(new ConfigProblem(p + "ordering", "is required (one of key, partition, none)"));
        }
        if (maxValueBytes < (Integer) ConfigKey.MAX_VALUE_BYTES.min()) {
            problems.add(new ConfigProblem(p + "max-value-bytes",
                    "must be greater than " + ((Integer) ConfigKey.MAX_VALUE_BYTES.min() - 1) + ", was " + maxValueBytes));
        }
        checkForwardHeaders(problems, p + "forward-headers", forwardHeaders);
        if (concurrency == null) {
            problems.add(new ConfigProblem(p + "concurrency", "is required (one of fixed, adaptive)"));
        }
        if (rateLimit == null) {
            problems.add(new ConfigProblem(p + "rate-limit", "is required"));
        }
        if (credentials == null) {
            problems.add(new ConfigProblem(p + "target", "credentials are required (Credentials.NONE for none)"));
        } else if (targetUrl != null && targetUrl.getRawUserInfo() != null
                && credentials.headerNames().contains("authorization")) {
            // both would set Authorization: the URL's userinfo is sent as Basic authentication
            String header = credentials.headers().keySet().stream().filter(h -> h.equalsIgnoreCase("authorization"))
                    .findFirst().orElseThrow();
            problems.add(new ConfigProblem(p + Credentials.HEADERS_FIELD + "." + header,
                    "the target URL's userinfo already sets Authorization (Basic): give one or the other"));
        } else if (targetUrl != null && targetUrl.getRawUserInfo() != null && credentials.oauth2() != null) {
            problems.add(new ConfigProblem(p + OAuth2.FIELD,
                    "the target URL's userinfo already sets Authorization (Basic): give one or the other"));
        }
        if (filters == null) {
            problems.add(new ConfigProblem(p + "filters", "is required (empty for every record)"));
        } else if (filters.size() > FilterReader.MAX_FILTERS) {
            problems.add(new ConfigProblem(p + "filters", "at most " + FilterReader.MAX_FILTERS + " filters, was " + filters.size()));
        }
    }

    private static void checkForwardHeaders(List<ConfigProblem> problems, String field, List<String> prefixes) {
        if (prefixes == null) {
            problems.add(new ConfigProblem(field, "is required (empty for none)"));
            return;
        }
        if (prefixes.size() > Route.MAX_FORWARD_HEADERS) {
            problems.add(new ConfigProblem(field, "at most " + Route.MAX_FORWARD_HEADERS + " prefixes, was " + prefixes.size()));
            return;
        }
        for (int i = 0; i < prefixes.size(); i++) {
            String prefix = prefixes.get(i);
            // lower case: a Route keeps its prefixes lower-cased; a draft is compared as a Route would hold it
            if (prefix == null || !HEADER_PREFIX.matcher(prefix.toLowerCase(java.util.Locale.ROOT)).matches()) {
                problems.add(new ConfigProblem(field + "[" + i + "]",
                        "not a header name prefix (1 to 100 characters of an HTTP token): " + ConfigProblem.quote(prefix)));
            }
        }
    }

    private static boolean checkInt(List<ConfigProblem> problems, String field, Object min, Object max, int value) {
        if (value < (Integer) min || value > (Integer) max) {
            problems.add(new ConfigProblem(field, "must be between " + min + " and " + max + ", was " + value));
            return false;
        }
        return true;
    }

    private static void checkUrl(List<ConfigProblem> problems, String field, URI url) {
        if (url == null) {
            problems.add(new ConfigProblem(field, "is required"));
            return;
        }
        String scheme = url.getScheme();
        if ("too-long".equals(scheme)) {
            problems.add(new ConfigProblem(field, "longer than " + SluiceConfig.MAX_URL_LENGTH + " characters ("
                    + url.getSchemeSpecificPart() + ")"));
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
}
