package dev.sluice.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleSupplier;

/**
 * When and how often a retriable delivery is tried again. Immutable and valid: the constructor
 * checks every field against the bounds its {@link ConfigKey} declares.
 *
 * @param maxAttempts attempts in all, the first one included
 * @param initialBackoff delay before the second attempt
 * @param maxBackoff upper bound of any delay, Retry-After included
 * @param jitter fraction of each delay that is randomised (0 = none, 1 = anywhere in [0, delay])
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff, double jitter) {

    /**
     * Checks every field: a policy that exists is valid.
     *
     * @throws InvalidConfigException listing every problem, with field paths relative to the route
     *         ({@code retry.max-attempts}); a snapshot reader reports them with full paths
     */
    public RetryPolicy {
        List<ConfigProblem> problems = new ArrayList<>();
        ConfigKey.RETRY_MAX_ATTEMPTS.check(problems, "", maxAttempts);
        ConfigKey.RETRY_INITIAL_BACKOFF.check(problems, "", initialBackoff);
        ConfigKey.RETRY_MAX_BACKOFF.check(problems, "", maxBackoff);
        if (initialBackoff != null && maxBackoff != null && initialBackoff.compareTo(maxBackoff) > 0) {
            problems.add(new ConfigProblem(ConfigKey.RETRY_INITIAL_BACKOFF.path(), "must not exceed max-backoff"));
        }
        ConfigKey j = ConfigKey.RETRY_JITTER;
        // written so that NaN fails too
        if (!(jitter >= (Double) j.min() && jitter <= (Double) j.max())) {
            problems.add(new ConfigProblem(j.path(), "must be " + j.range() + ", was " + jitter));
        }
        if (!problems.isEmpty()) {
            throw new InvalidConfigException(problems);
        }
    }

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
