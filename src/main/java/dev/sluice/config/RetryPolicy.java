package dev.sluice.config;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * When and how often a retriable delivery is tried again.
 *
 * @param maxAttempts attempts in all, the first one included
 * @param initialBackoff delay before the second attempt
 * @param maxBackoff upper bound of any delay, Retry-After included
 * @param jitter fraction of each delay that is randomised (0 = none, 1 = anywhere in [0, delay])
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff, double jitter) {

    /**
     * Delay before attempt {@code failedAttempts + 1}: exponential from {@code initialBackoff},
     * capped at {@code maxBackoff}, with the jittered fraction taken off the top so that the
     * delay never exceeds the cap. A server's Retry-After wins when it asks for longer, up to the cap.
     *
     * @param failedAttempts attempts made so far (1 after the first failure)
     * @param retryAfter what the server asked for, or null
     * @param random uniform values in [0, 1)
     */
    public Duration backoff(int failedAttempts, Duration retryAfter, DoubleSupplier random) {
        long initial = initialBackoff.toMillis();
        long cap = maxBackoff.toMillis();
        int shift = Math.min(Math.max(failedAttempts - 1, 0), 30);
        long exp = initial > (cap >> shift) ? cap : Math.min(cap, initial << shift);
        long jittered = exp - (long) (exp * jitter * random.getAsDouble());
        long delay = retryAfter == null ? jittered : Math.max(jittered, Math.min(retryAfter.toMillis(), cap));
        return Duration.ofMillis(Math.max(delay, 0));
    }
}
