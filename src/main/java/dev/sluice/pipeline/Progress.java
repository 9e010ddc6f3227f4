package dev.sluice.pipeline;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * When the pipeline last moved: a record taken from Kafka, a delivery attempt answered (or timed
 * out), a record finished. With work in flight and no movement for longer than
 * {@code sluice.health.stuck-after}, the pipeline is stuck and liveness fails. Every remote call
 * has a timeout, so a healthy pipeline with work in flight moves at least once per request
 * timeout plus backoff.
 */
@ApplicationScoped
public class Progress {
    private volatile long lastMovedNanos = System.nanoTime();

    /** Something moved. Cheap: a volatile write, called on every record and attempt. */
    public void moved() {
        lastMovedNanos = System.nanoTime();
    }

    /** How long since the pipeline last moved. */
    public Duration sinceLastMove() {
        return Duration.ofNanos(System.nanoTime() - lastMovedNanos);
    }
}
