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
 */
public record Route(String name, List<String> topics, URI targetUrl, int maxInFlight, Duration timeout,
        RetryPolicy retry, String deadLetterTopic, Expects expects, int maxValueBytes, Ordering ordering) {

    /** Default of {@code max-value-bytes}: 1 MiB, the default largest record of a Kafka broker. */
    public static final int DEFAULT_MAX_VALUE_BYTES = 1024 * 1024;

    public Route {
        topics = List.copyOf(topics);
    }
}
