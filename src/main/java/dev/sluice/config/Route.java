package dev.sluice.config;

import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * One route of a config snapshot: which topics go to which HTTP target, and how.
 * Immutable; build snapshots through {@link SluiceConfig#validated}, which checks every field.
 *
 * @param expects what a record value must be to be sent; others are dead-lettered unsent
 * @param maxValueBytes largest record value sent; larger ones are dead-lettered unsent
 * @param ordering which records are delivered one after another (lanes)
 * @param concurrency whether the in-flight limit is max-in-flight or adapts to the target
 * @param rateLimit attempts per second the target gets at most ({@link RateLimit#OFF}: no limit)
 */
public record Route(String name, List<String> topics, URI targetUrl, int maxInFlight, Duration timeout,
        RetryPolicy retry, String deadLetterTopic, Expects expects, int maxValueBytes, Ordering ordering,
        Concurrency concurrency, RateLimit rateLimit) {

    /** Default of {@code max-value-bytes}: 1 MiB, the default largest record of a Kafka broker. */
    public static final int DEFAULT_MAX_VALUE_BYTES = 1024 * 1024;

    public Route {
        topics = List.copyOf(topics);
    }

    /** A route with a fixed limit (its max-in-flight) and no rate limit. */
    public Route(String name, List<String> topics, URI targetUrl, int maxInFlight, Duration timeout, RetryPolicy retry,
            String deadLetterTopic, Expects expects, int maxValueBytes, Ordering ordering) {
        this(name, topics, targetUrl, maxInFlight, timeout, retry, deadLetterTopic, expects, maxValueBytes, ordering,
                Concurrency.fixed(maxInFlight), RateLimit.OFF);
    }
}
