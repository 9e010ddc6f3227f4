package dev.sluice.pipeline;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * One Kafka record as Sluice sees it: where it came from, its key, value and headers.
 * Key and value are opaque bytes; {@code value} is null for a tombstone. {@code epoch} is how
 * often the partition had been revoked from this replica when the record was taken
 * ({@link Ownership}).
 */
public record Event(String topic, int partition, long offset, long timestamp, byte[] key, byte[] value,
        Headers headers, int epoch) {

    /** An event taken before any revocation of its partition. */
    public Event(String topic, int partition, long offset, long timestamp, byte[] key, byte[] value, Headers headers) {
        this(topic, partition, offset, timestamp, key, value, headers, 0);
    }

    /** Stable across redeliveries of this record: topic-partition-offset. */
    public String coordinates() {
        return topic + "-" + partition + "-" + offset;
    }

    /** Last value of a header as UTF-8, or null. */
    public String header(String name) {
        Header h = headers.lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    public List<Header> headerList() {
        return List.of(headers.toArray());
    }
}
