package dev.sluice.intake;

import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerInterceptor;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The intake consumer's interceptor ({@code interceptor.classes}): tells {@link PartitionPressure}
 * what each poll returned, on the polling thread, before the connector queues it. That is where
 * pausing is decided, so a pause applies to the very next poll (the connector's own pause, which
 * resumed the whole assignment and lifted per-partition pauses, is off).
 */
public class PollGate implements ConsumerInterceptor<Object, Object> {
    private static volatile PartitionPressure pressure;

    static void install(PartitionPressure p) {
        pressure = p;
    }

    @Override
    public ConsumerRecords<Object, Object> onConsume(ConsumerRecords<Object, Object> records) {
        PartitionPressure p = pressure;
        if (p != null && !records.isEmpty()) {
            p.polled(records);
        }
        return records;
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
