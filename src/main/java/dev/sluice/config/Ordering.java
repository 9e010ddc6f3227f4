package dev.sluice.config;

import java.util.Locale;
import java.util.Optional;

/**
 * Which records of a route must reach the target one after another, in offset order.
 * Records of one lane are delivered one at a time; lanes run in parallel.
 */
public enum Ordering {
    /**
     * One lane per record key within a partition: the same key in offset order, different keys in
     * parallel. Records with a null key share their partition's lane (partition order).
     */
    KEY,
    /** One lane per partition: one record at a time per partition. */
    PARTITION,
    /** No lanes: any order, as parallel as the limits allow. */
    NONE;

    /** The spelling in properties and JSON config. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The value of this spelling (case-insensitive, surrounding blanks ignored), if it is one. */
    public static Optional<Ordering> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "key" -> Optional.of(KEY);
            case "partition" -> Optional.of(PARTITION);
            case "none" -> Optional.of(NONE);
            default -> Optional.empty();
        };
    }

    static ConfigProblem notOneOf(String field, String text) {
        return new ConfigProblem(field, "must be one of key, partition, none, was " + ConfigProblem.quote(text));
    }
}
