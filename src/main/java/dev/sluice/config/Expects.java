package dev.sluice.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What a route accepts as a record value. A record that does not qualify is never sent to the
 * target: it goes straight to the route's dead-letter topic with the reason.
 */
public enum Expects {
    /** Any bytes, tombstones included (no check). */
    ANY("any"),
    /** One well-formed JSON value (UTF-8/16/32), nothing after it. */
    JSON("json"),
    /**
     * A CloudEvent: binary mode (Kafka headers ce_specversion, ce_id, ce_source, ce_type) or
     * structured mode (content-type application/cloudevents+json, a JSON object holding them).
     */
    CLOUDEVENTS("cloudevents");

    private final String configName;

    Expects(String configName) {
        this.configName = configName;
    }

    /** The spelling in properties and JSON config. */
    public String configName() {
        return configName;
    }

    /** The value of this spelling (case-insensitive, surrounding blanks ignored), if it is one. */
    public static Optional<Expects> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        String t = text.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(e -> e.configName.equals(t)).findFirst();
    }

    /** "any, json, cloudevents", for error messages. */
    public static String choices() {
        return Arrays.stream(values()).map(Expects::configName).collect(Collectors.joining(", "));
    }

    /** The problem to report when {@code text} is not one of the choices. */
    static ConfigProblem notOneOf(String field, String text) {
        return new ConfigProblem(field, "must be one of " + choices() + ", was " + ConfigProblem.quote(text));
    }
}
