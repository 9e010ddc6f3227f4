package dev.sluice.config;

/**
 * Requests per second a route may send, as a token bucket: {@code perSecond} tokens are added
 * each second up to {@code burst}, and every attempt (retries included) takes one before it goes
 * out. {@code perSecond} 0 means no rate limit (then {@code burst} is 0 too).
 */
public record RateLimit(int perSecond, int burst) {

    /** No rate limit. */
    public static final RateLimit OFF = new RateLimit(0, 0);

    /** Highest accepted {@code per-second} and {@code burst}. */
    public static final int CEILING = 100_000;

    public boolean enabled() {
        return perSecond > 0;
    }
}
