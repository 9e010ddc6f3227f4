package dev.sluice.config;

import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * One route of a config snapshot: which topics go to which HTTP target, and how.
 * Immutable; build snapshots through {@link SluiceConfig#validated}, which checks every field.
 */
public record Route(String name, List<String> topics, URI targetUrl, int maxInFlight, Duration timeout,
        RetryPolicy retry, String deadLetterTopic) {

    public Route {
        topics = List.copyOf(topics);
    }
}
