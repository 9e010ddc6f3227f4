package dev.sluice.config;

/** One reason a configuration was refused: the field path and what is wrong with it. */
public record ConfigProblem(String field, String message) {
    @Override
    public String toString() {
        return field + ": " + message;
    }
}
