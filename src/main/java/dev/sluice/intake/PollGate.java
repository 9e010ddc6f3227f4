package dev.sluice.intake;

import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerInterceptor;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * The intake consumer's interceptor ({@code interceptor.classes}), on the polling thread, before
 * the connector queues what a poll returned:
 * <ul>
 * <li>stamps each record with its partition's revocation count at this poll ({@link Revocations}),
 * in an internal header the intake reads and removes. Read later, when the record reaches the
 * intake, the count would already include a revocation that happened in between, and the record,
 * now the next owner's, would be delivered by both;</li>
 * <li>tells {@link PartitionPressure} what the poll returned. That is where pausing is decided, so
 * a pause applies to the very next poll (the connector's own pause, which resumed the whole
 * assignment and lifted per-partition pauses, is off).</li>
 * </ul>
 */
public class PollGate implements ConsumerInterceptor<Object, Object> {
    /** Internal header: the revocation count of the record's partition when it was polled. */
    static final String EPOCH_HEADER = "sluice-internal-epoch";
    private static volatile PartitionPressure pressure;
    private static volatile Revocations revocations;

    static void install(PartitionPressure p) {
        pressure = p;
    }

    static void install(Revocations r) {
        revocations = r;
    }

    @Override
    public ConsumerRecords<Object, Object> onConsume(ConsumerRecords<Object, Object> records) {
        if (records.isEmpty()) {
            return records;
        }
        Revocations r = revocations;
        if (r != null) {
            stamp(records, r);
        }
        PartitionPressure p = pressure;
        if (p != null) {
            p.polled(records);
        }
        return records;
    }

    static void stamp(ConsumerRecords<?, ?> records, Revocations r) {
        for (TopicPartition tp : records.partitions()) {
            byte[] epoch = encode(r.epoch(tp.topic(), tp.partition()));
            for (ConsumerRecord<?, ?> record : records.records(tp)) {
                record.headers().remove(EPOCH_HEADER); // never trust one a producer wrote
                record.headers().add(EPOCH_HEADER, epoch);
            }
        }
    }

    static byte[] encode(int epoch) {
        return new byte[] { (byte) (epoch >>> 24), (byte) (epoch >>> 16), (byte) (epoch >>> 8), (byte) epoch };
    }

    /** The stamped count, removed from the headers; {@code orElse} when there is none. */
    static int takeEpoch(Headers headers, int orElse) {
        Header h = headers.lastHeader(EPOCH_HEADER);
        if (h == null || h.value() == null || h.value().length != 4) {
            return orElse;
        }
        headers.remove(EPOCH_HEADER);
        byte[] b = h.value();
        return (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
    }

    @Override
    public void onCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {
    }

    @Override
    public void close() {
    }

    @Override
    public void configure(Map<String, ?> configs) {
    }
}
