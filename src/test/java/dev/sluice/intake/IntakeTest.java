package dev.sluice.intake;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.Test;

import dev.sluice.pipeline.Event;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;

/**
 * A Kafka record as the connector hands it over becomes an event: where it came from, its key,
 * value and headers, and how often its partition had been revoked when it was polled.
 */
class IntakeTest {
    private static final TopicPartition ORDERS_3 = new TopicPartition("orders", 3);

    private final Revocations revocations = new Revocations(TestPressure.create(64, null), new dev.sluice.schedule.GroupShares());

    private static ConsumerRecord<byte[], byte[]> record() {
        RecordHeaders headers = new RecordHeaders();
        headers.add("ce_type", "order.created".getBytes(UTF_8));
        headers.add("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".getBytes(UTF_8));
        return new ConsumerRecord<>("orders", 3, 42L, 1_700_000_000_123L, TimestampType.CREATE_TIME, 1, 7, "k".getBytes(UTF_8),
                "payload".getBytes(UTF_8), headers, Optional.empty());
    }

    /** The message the connector would pass on for {@code record}. */
    private static Message<byte[]> message(ConsumerRecord<byte[], byte[]> record) {
        return Message.of(record.value()).addMetadata(new IncomingKafkaRecordMetadata<>(record, "sluice-in"));
    }

    /** What the intake consumer's interceptor does to a record it polled: stamps it with the partition's count. */
    @SuppressWarnings("unchecked")
    private void polled(ConsumerRecord<byte[], byte[]> record) {
        ConsumerRecord<Object, Object> polled = (ConsumerRecord<Object, Object>) (ConsumerRecord<?, ?>) record;
        PollGate.stamp(new ConsumerRecords<>(Map.of(ORDERS_3, List.of(polled)), Map.of()), revocations);
    }

    @Test
    void aKafkaRecordBecomesAnEventWithItsCoordinatesKeyValueAndHeaders() {
        ConsumerRecord<byte[], byte[]> record = record();
        polled(record);

        Event event = Intake.toEvent(message(record), revocations);

        assertEquals("orders", event.topic());
        assertEquals(3, event.partition());
        assertEquals(42L, event.offset());
        assertEquals(1_700_000_000_123L, event.timestamp());
        assertArrayEquals("k".getBytes(UTF_8), event.key());
        assertArrayEquals("payload".getBytes(UTF_8), event.value());
        assertEquals("order.created", event.header("ce_type"));
        assertEquals("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", event.header("traceparent"));
        assertEquals(List.of("ce_type", "traceparent"), event.headerList().stream().map(h -> h.key()).toList(),
                "the record's headers, and not the internal poll stamp");
        assertEquals(0, event.epoch());
    }

    @Test
    void theEpochIsThePartitionsRevocationCountAtPollNotAtIntake() {
        ConsumerRecord<byte[], byte[]> record = record();
        polled(record);
        // revoked while the record waits in the connector's queue: it is the next owner's now
        revocations.onPartitionsRevoked(null, List.of(ORDERS_3));

        Event event = Intake.toEvent(message(record), revocations);

        assertEquals(0, event.epoch());
        assertTrue(revocations.revokedSince(event));
        assertNull(event.header(PollGate.EPOCH_HEADER));
    }

    @Test
    void aRecordPolledAfterARevocationIsOurs() {
        revocations.onPartitionsRevoked(null, List.of(ORDERS_3));
        ConsumerRecord<byte[], byte[]> record = record();
        polled(record);

        Event event = Intake.toEvent(message(record), revocations);

        assertEquals(1, event.epoch());
        assertFalse(revocations.revokedSince(event));
    }

    @Test
    void aMessageWithoutKafkaMetadataIsRefused() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Intake.toEvent(Message.of("payload".getBytes(UTF_8)), revocations));

        assertEquals("record without Kafka metadata", e.getMessage());
    }
}
