package dev.sluice.config;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One route of a config snapshot: which topics go to which HTTP target, and how.
 * Immutable and valid: the constructor checks every field.
 *
 * @param expects what a record value must be to be sent; others are dead-lettered unsent
 * @param maxValueBytes largest record value sent; larger ones are dead-lettered unsent
 * @param ordering which records are delivered one after another (lanes)
 * @param concurrency whether the in-flight limit is max-in-flight or adapts to the target
 * @param rateLimit attempts per second the target gets at most ({@link RateLimit#OFF}: no limit)
 * @param forwardHeaders lower-case prefixes of record header names passed on to the target
 * @param credentials headers and signatures the target requires, as references to secrets ({@link Credentials#NONE}: none)
 * @param filters which records of its topics the route takes: those every filter matches (empty: all)
 */
public record Route(String name, List<String> topics, URI targetUrl, int maxInFlight, Duration timeout,
        RetryPolicy retry, String deadLetterTopic, Expects expects, int maxValueBytes, Ordering ordering,
        Concurrency concurrency, RateLimit rateLimit, List<String> forwardHeaders, Credentials credentials,
        List<RouteFilter> filters, boolean paused) {

    /** Default of {@code max-value-bytes} ({@link ConfigKey#MAX_VALUE_BYTES}). */
    public static final int DEFAULT_MAX_VALUE_BYTES = (Integer) ConfigKey.MAX_VALUE_BYTES.defaultValue();

    /** Most {@code forward-headers} prefixes of a route. */
    public static final int MAX_FORWARD_HEADERS = 32;

    /**
     * Checks every field: a route that exists is valid.
     *
     * @throws InvalidConfigException listing every problem, with field paths relative to the route
     *         ({@code timeout}, {@code retry.jitter}); a snapshot reader reports them with full paths first
     */
    public Route {
        List<ConfigProblem> problems = new ArrayList<>();
        new RouteDraft(name, topics, targetUrl, maxInFlight, timeout, retry, deadLetterTopic, expects, maxValueBytes,
                ordering, concurrency, rateLimit, forwardHeaders, credentials, filters, paused).check(problems, "", null);
        if (!problems.isEmpty()) {
            throw new InvalidConfigException(problems);
        }
        topics = List.copyOf(topics);
        filters = List.copyOf(filters);
        forwardHeaders = forwardHeaders.stream().map(h -> h.toLowerCase(java.util.Locale.ROOT)).toList();
    }

    /** A route that takes every record of its topics. */
    /** A route that is not paused. */
    public Route(String name, List<String> topics, URI targetUrl, int maxInFlight, Duration timeout, RetryPolicy retry,
            String deadLetterTopic, Expects expects, int maxValueBytes, Ordering ordering, Concurrency concurrency,
            RateLimit rateLimit, List<String> forwardHeaders, Credentials credentials, List<RouteFilter> filters) {
        this(name, topics, targetUrl, maxInFlight, timeout, retry, deadLetterTopic, expects, maxValueBytes, ordering,
                concurrency, rateLimit, forwardHeaders, credentials, filters, false);
    }

    /** This route, paused or not. */
    public Route paused(boolean paused) {
        return new Route(name, topics, targetUrl, maxInFlight, timeout, retry, deadLetterTopic, expects, maxValueBytes,
                ordering, concurrency, rateLimit, forwardHeaders, credentials, filters, paused);
    }

    public Route(String name, List<String> topics, URI targetUrl, int maxInFlight, Duration timeout, RetryPolicy retry,
            String deadLetterTopic, Expects expects, int maxValueBytes, Ordering ordering, Concurrency concurrency,
            RateLimit rateLimit, List<String> forwardHeaders, Credentials credentials) {
        this(name, topics, targetUrl, maxInFlight, timeout, retry, deadLetterTopic, expects, maxValueBytes, ordering,
                concurrency, rateLimit, forwardHeaders, credentials, List.of());
    }

    /** A route whose target requires no credentials. */
    public Route(String name, List<String> topics, URI targetUrl, int maxInFlight, Duration timeout, RetryPolicy retry,
            String deadLetterTopic, Expects expects, int maxValueBytes, Ordering ordering, Concurrency concurrency,
            RateLimit rateLimit, List<String> forwardHeaders) {
        this(name, topics, targetUrl, maxInFlight, timeout, retry, deadLetterTopic, expects, maxValueBytes, ordering,
                concurrency, rateLimit, forwardHeaders, Credentials.NONE);
    }

    /** A route that forwards no record headers beyond CloudEvents attributes and trace context. */
    public Route(String name, List<String> topics, URI targetUrl, int maxInFlight, Duration timeout, RetryPolicy retry,
            String deadLetterTopic, Expects expects, int maxValueBytes, Ordering ordering, Concurrency concurrency,
            RateLimit rateLimit) {
        this(name, topics, targetUrl, maxInFlight, timeout, retry, deadLetterTopic, expects, maxValueBytes, ordering,
                concurrency, rateLimit, List.of());
    }

    /**
     * As the record's own, but with the target URL redacted: a route may end up in a log line or an
     * exception. Credentials show as their references ({@code env:NAME}, {@code file:/path}), the only
     * thing a route holds of them.
     */
    @Override
    public String toString() {
        return "Route[name=" + name + ", topics=" + topics + ", target=" + shownUrl() + ", maxInFlight=" + maxInFlight
                + ", timeout=" + timeout + ", retry=" + retry + ", deadLetterTopic=" + deadLetterTopic + ", expects=" + expects
                + ", maxValueBytes=" + maxValueBytes + ", ordering=" + ordering + ", concurrency=" + concurrency
                + ", rateLimit=" + rateLimit + ", forwardHeaders=" + forwardHeaders + ", credentials=" + credentials + ", filters=" + filters + "]";
    }

    /** The target URL as it may be shown (admin API, logs, spans): credentials redacted ({@link UrlRedaction}). */
    public String shownUrl() {
        return UrlRedaction.shown(targetUrl);
    }

    /** A route with a fixed limit (its max-in-flight) and no rate limit. */
    public Route(String name, List<String> topics, URI targetUrl, int maxInFlight, Duration timeout, RetryPolicy retry,
            String deadLetterTopic, Expects expects, int maxValueBytes, Ordering ordering) {
        this(name, topics, targetUrl, maxInFlight, timeout, retry, deadLetterTopic, expects, maxValueBytes, ordering,
                Concurrency.fixed(maxInFlight), RateLimit.OFF);
    }
}
