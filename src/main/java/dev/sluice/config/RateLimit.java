package dev.sluice.config;

import java.util.List;

/**
 * Requests per second a route may send, as a token bucket: {@code perSecond} tokens are added
 * each second up to {@code burst}, and every attempt (retries included) takes one before it goes
 * out. {@code perSecond} 0 means no rate limit (then {@code burst} is 0 too). Immutable and valid:
 * the constructor checks both against the bounds their {@link ConfigKey}s declare.
 */
public record RateLimit(int perSecond, int burst) {

    /** No rate limit. */
    public static final RateLimit OFF = new RateLimit(0, 0);

    /** Highest accepted {@code per-second} and {@code burst}. */
    public static final int CEILING = 100_000;

    /**
     * Checks both fields: a rate limit that exists is valid.
     *
     * @throws InvalidConfigException naming the field relative to the route ({@code rate-limit.burst});
     *         a snapshot reader reports it with its full path
     */
    public RateLimit {
        ConfigKey rate = ConfigKey.RATE_PER_SECOND;
        ConfigKey size = ConfigKey.RATE_BURST;
        ConfigProblem problem = null;
        if (perSecond < (Integer) rate.min() || perSecond > (Integer) rate.max()) {
            problem = new ConfigProblem(rate.path(),
                    "must be between " + rate.min() + " (off) and " + rate.max() + ", was " + perSecond);
        } else if (perSecond == 0 && burst != 0) {
            problem = new ConfigProblem(size.path(), "has no effect without per-second; was " + burst);
        } else if (perSecond > 0 && (burst < (Integer) size.min() || burst > (Integer) size.max())) {
            problem = new ConfigProblem(size.path(), "must be " + size.range() + ", was " + burst);
        }
        if (problem != null) {
            throw new InvalidConfigException(List.of(problem));
        }
    }

    public boolean enabled() {
        return perSecond > 0;
    }
}
