package dev.sluice.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * How a route's in-flight limit is set. {@code fixed}: the limit is the route's
 * {@code max-in-flight}. {@code adaptive}: the limit follows what the target sustains, found from
 * each attempt's latency and backpressure answers, and stays within {@code adaptiveMin} ..
 * {@code adaptiveMax}. Immutable and valid: the constructor checks the bounds whatever the mode, so
 * switching modes at run time cannot bring in a bad value.
 *
 * @param mode fixed or adaptive
 * @param adaptiveMin lowest adaptive limit (1 by default)
 * @param adaptiveMax highest adaptive limit (the route's max-in-flight by default)
 */
public record Concurrency(Mode mode, int adaptiveMin, int adaptiveMax) {

    /** Default of {@code adaptive.min} ({@link ConfigKey#ADAPTIVE_MIN}). */
    public static final int DEFAULT_ADAPTIVE_MIN = (Integer) ConfigKey.ADAPTIVE_MIN.defaultValue();

    /**
     * Checks every field: a concurrency that exists is valid.
     *
     * @throws InvalidConfigException listing every problem, with field paths relative to the route
     *         ({@code concurrency}, {@code adaptive.min}); a snapshot reader reports them with full paths
     */
    public Concurrency {
        List<ConfigProblem> problems = new ArrayList<>();
        if (mode == null) {
            problems.add(new ConfigProblem(ConfigKey.CONCURRENCY.path(), "is required (one of fixed, adaptive)"));
        }
        boolean minInRange = ConfigKey.ADAPTIVE_MIN.check(problems, "", adaptiveMin);
        boolean maxInRange = ConfigKey.ADAPTIVE_MAX.check(problems, "", adaptiveMax);
        if (minInRange && maxInRange && adaptiveMin > adaptiveMax) {
            problems.add(new ConfigProblem(ConfigKey.ADAPTIVE_MIN.path(),
                    "must not exceed " + ConfigKey.ADAPTIVE_MAX.path() + " (" + adaptiveMax + "), was " + adaptiveMin));
        }
        if (!problems.isEmpty()) {
            throw new InvalidConfigException(problems);
        }
    }

    public enum Mode {
        /** The limit is the route's max-in-flight. */
        FIXED,
        /** The limit is found from the target's latency and backpressure, within the adaptive bounds. */
        ADAPTIVE;

        /** The spelling in properties and JSON config. */
        public String configName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The value of this spelling (case-insensitive, surrounding blanks ignored), if it is one. */
        public static Optional<Mode> parse(String text) {
            if (text == null) {
                return Optional.empty();
            }
            return switch (text.trim().toLowerCase(Locale.ROOT)) {
                case "fixed" -> Optional.of(FIXED);
                case "adaptive" -> Optional.of(ADAPTIVE);
                default -> Optional.empty();
            };
        }

        static ConfigProblem notOneOf(String field, String text) {
            return new ConfigProblem(field, "must be one of fixed, adaptive, was " + ConfigProblem.quote(text));
        }
    }

    /**
     * The default: a fixed limit, with the adaptive bounds at their defaults for this max-in-flight.
     *
     * @throws InvalidConfigException when {@code maxInFlight} is outside 1..4096, named as {@code adaptive.max} (its default)
     */
    public static Concurrency fixed(int maxInFlight) {
        return new Concurrency(Mode.FIXED, DEFAULT_ADAPTIVE_MIN, maxInFlight);
    }

    public boolean adaptive() {
        return mode == Mode.ADAPTIVE;
    }
}
