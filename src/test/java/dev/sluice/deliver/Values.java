package dev.sluice.deliver;

import static java.nio.charset.StandardCharsets.UTF_8;

import org.apache.kafka.common.header.internals.RecordHeaders;

import dev.sluice.pipeline.Event;

/** Events with a given value and headers, for the value-check tests. */
final class Values {
    private Values() {
    }

    static Event event(byte[] value, String... headerNamesAndValues) {
        RecordHeaders h = new RecordHeaders();
        for (int i = 0; i < headerNamesAndValues.length; i += 2) {
            h.add(headerNamesAndValues[i], headerNamesAndValues[i + 1].getBytes(UTF_8));
        }
        return new Event("orders", 0, 7L, 1_700_000_000_000L, null, value, h);
    }

    static Event event(String value, String... headerNamesAndValues) {
        return event(value == null ? null : value.getBytes(UTF_8), headerNamesAndValues);
    }
}
