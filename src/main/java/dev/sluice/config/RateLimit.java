package dev.sluice.config;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Requests per second a route may send, as a token bucket: {@code perSecond} tokens are added
 * each second up to {@code burst}, and every attempt (retries included) takes one before it goes
 * out. {@code perSecond} 0 means no rate limit (then {@code burst} is 0 too). With {@link Scope#GROUP}
 * the budget is the whole consumer group's: each replica takes the share of the route's partitions
 * it is assigned. Immutable and valid: the constructor checks every field against the bounds their
 * {@link ConfigKey}s declare.
 */
public record RateLimit(int perSecond, int burst, Scope scope) {

    /** No rate limit. */
    public static final RateLimit OFF = new RateLimit(0, 0);

    /** Whom the budget is for. */
    public enum Scope {
        /** Each replica sends at most the rate (n replicas: n times it). */
        REPLICA,
        /**
         * The consumer group together: a replica's share is the fraction of the route's topics'
         * partitions assigned to it, adjusted on every rebalance.
         */
        GROUP;

        /** The spelling in properties and JSON config. */
        public String configName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The value of this spelling (case-insensitive, surrounding blanks ignored), if it is one. */
        public static Optional<Scope> parse(String text) {
            if (text == null) {
                return Optional.empty();
            }
            return switch (text.trim().toLowerCase(Locale.ROOT)) {
                case "replica" -> Optional.of(REPLICA);
                case "group" -> Optional.of(GROUP);
                default -> Optional.empty();
            };
        }

        static ConfigProblem notOneOf(String field, String text) {
            return new ConfigProblem(field, "must be one of replica, group, was " + ConfigProblem.quote(text));
        }
    }

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
        if (scope == null) {
            scope = Scope.REPLICA;
        }
        if (perSecond < (Integer) rate.min() || perSecond > (Integer) rate.max()) {
            problem = new ConfigProblem(rate.path(),
                    "must be between " + rate.min() + " (off) and " + rate.max() + ", was " + perSecond);
        } else if (perSecond == 0 && burst != 0) {
            problem = new ConfigProblem(size.path(), "has no effect without per-second; was " + burst);
        } else if (perSecond > 0 && (burst < (Integer) size.min() || burst > (Integer) size.max())) {
            problem = new ConfigProblem(size.path(), "must be " + size.range() + ", was " + burst);
        } else if (perSecond == 0 && scope == Scope.GROUP) {
            problem = new ConfigProblem(ConfigKey.RATE_SCOPE.path(), "has no effect without per-second; was group");
        }
        if (problem != null) {
            throw new InvalidConfigException(List.of(problem));
        }
    }

    /** A budget of each replica's own. */
    public RateLimit(int perSecond, int burst) {
        this(perSecond, burst, Scope.REPLICA);
    }

    public boolean enabled() {
        return perSecond > 0;
    }

    /** True when the budget holds for the whole consumer group. */
    public boolean groupWide() {
        return perSecond > 0 && scope == Scope.GROUP;
    }
}
