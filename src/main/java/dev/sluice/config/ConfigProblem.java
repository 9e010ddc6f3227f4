package dev.sluice.config;

/** One reason a configuration was refused: the field path and what is wrong with it. */
public record ConfigProblem(String field, String message) {
    /** Longest part of a refused value repeated in a message: input may be hostile and large. */
    static final int MAX_QUOTED = 64;

    /** {@code 'value'}, cut to {@value #MAX_QUOTED} characters (with the full length) when longer. */
    static String quote(String value) {
        if (value == null) {
            return "null";
        }
        if (value.length() <= MAX_QUOTED) {
            return "'" + value + "'";
        }
        return "'" + value.substring(0, MAX_QUOTED) + "...' (" + value.length() + " characters)";
    }

    @Override
    public String toString() {
        return field + ": " + message;
    }
}
