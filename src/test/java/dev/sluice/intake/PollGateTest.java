package dev.sluice.intake;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import dev.sluice.pipeline.Event;

/**
 * A record polled before its partition was revoked belongs to the next owner even if it reaches
 * the intake after the revocation: it must not start here (before, the count was read when the
 * record reached the intake, the revocation was already in it, and both owners delivered it).
 */
class PollGateTest {

    @Test
    void aRecordPolledBeforeARevocationIsSeenAsRevokedWhenItArrivesAfter() {
        Revocations revocations = new Revocations(TestPressure.create(64, null), new dev.sluice.schedule.GroupShares());
        TopicPartition tp = new TopicPartition("orders", 0);
        ConsumerRecord<Object, Object> record = new ConsumerRecord<>("orders", 0, 7L, null, "v".getBytes(UTF_8));
        PollGate.stamp(new ConsumerRecords<>(Map.of(tp, List.of(record)), Map.of()), revocations);

        // the partition is revoked while the record sits in the connector's queue
        revocations.onPartitionsRevoked(null, List.of(tp));

        int epoch = PollGate.takeEpoch(record.headers(), revocations.epoch("orders", 0));
        Event event = new Event("orders", 0, 7L, 0L, null, "v".getBytes(UTF_8), record.headers(), epoch);
        assertTrue(revocations.revokedSince(event));
        assertNull(record.headers().lastHeader(PollGate.EPOCH_HEADER), "the internal header goes no further");
    }

    @Test
    void aRecordPolledAfterTheRevocationIsNotRevoked() {
        Revocations revocations = new Revocations(TestPressure.create(64, null), new dev.sluice.schedule.GroupShares());
        TopicPartition tp = new TopicPartition("orders", 0);
        revocations.onPartitionsRevoked(null, List.of(tp));
        ConsumerRecord<Object, Object> record = new ConsumerRecord<>("orders", 0, 7L, null, "v".getBytes(UTF_8));
        record.headers().add(PollGate.EPOCH_HEADER, PollGate.encode(99)); // a producer's forgery is replaced
        PollGate.stamp(new ConsumerRecords<>(Map.of(tp, List.of(record)), Map.of()), revocations);

        int epoch = PollGate.takeEpoch(record.headers(), -1);

        assertEquals(1, epoch);
    }
}
