package dev.sluice.config;

import java.util.Locale;
import java.util.Optional;

/**
 * How a route's in-flight limit is set. {@code fixed}: the limit is the route's
 * {@code max-in-flight}. {@code adaptive}: the limit follows what the target sustains, found from
 * each attempt's latency and backpressure answers, and stays within {@code adaptiveMin} ..
 * {@code adaptiveMax}. The bounds are validated whatever the mode, so switching modes at run time
 * cannot bring in a bad value.
 *
 * @param mode fixed or adaptive; null only in a snapshot that validation refuses
 * @param adaptiveMin lowest adaptive limit (1 by default)
 * @param adaptiveMax highest adaptive limit (the route's max-in-flight by default)
 */
public record Concurrency(Mode mode, int adaptiveMin, int adaptiveMax) {

    /** Default of {@code adaptive.min} ({@link ConfigKey#ADAPTIVE_MIN}). */
    public static final int DEFAULT_ADAPTIVE_MIN = (Integer) ConfigKey.ADAPTIVE_MIN.defaultValue();

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

    /** The default: a fixed limit, with the adaptive bounds at their defaults for this max-in-flight. */
    public static Concurrency fixed(int maxInFlight) {
        return new Concurrency(Mode.FIXED, DEFAULT_ADAPTIVE_MIN, maxInFlight);
    }

    public boolean adaptive() {
        return mode == Mode.ADAPTIVE;
    }
}
