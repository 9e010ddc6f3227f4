package dev.sluice.redrive;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

import dev.sluice.outcome.DeadLetterWriter;
import dev.sluice.pipeline.Event;

/**
 * A record read back from a dead-letter topic: where it sits there ({@code partition},
 * {@code offset}, {@code timestamp}: when it was dead-lettered), the original key, value and
 * headers, and the {@code dead-letter-*} headers {@link DeadLetterWriter} added. Anyone who can
 * write to the topic chooses all of it, so every reading tolerates a header that is missing or
 * malformed.
 */
public record DeadLetter(int partition, long offset, long timestamp, byte[] key, byte[] value, Headers headers) {
    private static final String PREFIX = "dead-letter-";

    static DeadLetter of(ConsumerRecord<byte[], byte[]> r) {
        return new DeadLetter(r.partition(), r.offset(), r.timestamp(), r.key(), r.value(), r.headers());
    }

    public String header(String name) {
        Header h = headers.lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    public String route() {
        return header(DeadLetterWriter.ROUTE);
    }

    public String reason() {
        return header(DeadLetterWriter.REASON);
    }

    /** The last HTTP status, or 0 when there was no answer (or the header is not a number). */
    public int httpStatus() {
        return intHeader(DeadLetterWriter.HTTP_STATUS, 0);
    }

    public int attempts() {
        return intHeader(DeadLetterWriter.ATTEMPTS, 0);
    }

    public String sourceTopic() {
        return header(DeadLetterWriter.TOPIC);
    }

    /** The source partition, or -1 when the header is missing or malformed. */
    public int sourcePartition() {
        return intHeader(DeadLetterWriter.PARTITION, -1);
    }

    /** The source offset, or -1 when the header is missing or malformed. */
    public long sourceOffset() {
        String v = header(DeadLetterWriter.OFFSET);
        try {
            return v == null ? -1 : Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Why the record cannot be sent again as it was, or null: the value was left out, or its origin is unknown. */
    public String unredrivable() {
        if (header(DeadLetterWriter.VALUE_DROPPED) != null) {
            return "its value was too large for the dead-letter topic and was left out";
        }
        if (sourceTopic() == null || sourcePartition() < 0 || sourceOffset() < 0) {
            return "its dead-letter-topic, -partition and -offset headers do not say where it came from";
        }
        return null;
    }

    /** The key as UTF-8 for filters and ordering; null for a null key. */
    public String keyText() {
        return key == null ? null : new String(key, StandardCharsets.UTF_8);
    }

    /**
     * The original record again, at its original coordinates (so its Kafka-Topic, -Partition,
     * -Offset and Idempotency-Key headers are those of the first delivery), with its own headers and
     * without the dead-letter ones; {@code epoch} is its partition's revocation count now.
     */
    public Event event(int epoch) {
        RecordHeaders own = new RecordHeaders();
        for (Header h : headers) {
            if (h.key() != null && !added(h.key())) {
                own.add(h);
            }
        }
        return new Event(sourceTopic(), sourcePartition(), sourceOffset(), timestamp, key, value, own, epoch);
    }

    /** A dead-letter header, not one of the record's own. */
    public static boolean added(String name) {
        return name != null && name.toLowerCase(Locale.ROOT).startsWith(PREFIX);
    }

    private int intHeader(String name, int absent) {
        String v = header(name);
        try {
            return v == null ? absent : Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            return absent;
        }
    }
}
