package dev.sluice.config;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalLong;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * The records of the config topic. Each config record carries a version base, so that its version
 * is {@code base + offset + 1}: the same on every replica, and still increasing after a reseed
 * into a topic whose offsets restarted at 0 (the reseed's base is the highest version known). A
 * record without the header (written before it existed) has base 0. A reset marker is the record
 * a replica writes when it finds the topic re-created under it: it names the version that replica
 * ran, so a replica that starts later knows the empty-looking topic lost a config.
 */
final class ConfigRecord {
    static final String KEY = "sluice-config";
    static final String BASE_HEADER = "sluice-version-base";
    static final String RESET_HEADER = "sluice-reset-from-version";
    /** Header naming the write, so the replica that wrote a record knows it when it reads it back. */
    static final String WRITE_ID_HEADER = "sluice-write-id";

    private ConfigRecord() {
    }

    static List<Header> config(long base, String writeId) {
        return List.of(header(BASE_HEADER, Long.toString(base)), header(WRITE_ID_HEADER, writeId));
    }

    /** The write id of a record, or null. */
    static String writeId(Headers headers) {
        Header h = headers.lastHeader(WRITE_ID_HEADER);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    static List<Header> resetMarker(long version) {
        return List.of(header(RESET_HEADER, Long.toString(version)));
    }

    static String resetMarkerValue(long version) {
        return "{\"reset-marker\":\"this topic lost its history while replicas ran config version " + version
                + "; PUT /admin/config/reseed puts a config in force\"}";
    }

    static long base(Headers headers) {
        OptionalLong base = number(headers, BASE_HEADER);
        return base.isPresent() ? base.getAsLong() : 0;
    }

    static OptionalLong resetFrom(Headers headers) {
        return number(headers, RESET_HEADER);
    }

    /** The problem a reset reports, the same words whichever replica found it and however. */
    static String resetReason(long version, String how) {
        return how + ": the topic lost the config history while replicas ran version " + version
                + " (deleted and re-created, or written with versions going backwards); plain PUTs would be ignored"
                + " and are refused; put the config to run in force with PUT /admin/config/reseed";
    }

    private static Header header(String name, String value) {
        return new RecordHeader(name, value.getBytes(StandardCharsets.UTF_8));
    }

    private static OptionalLong number(Headers headers, String name) {
        Header h = headers.lastHeader(name);
        if (h == null || h.value() == null) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(new String(h.value(), StandardCharsets.UTF_8)));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }
}
