package dev.sluice.redrive;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Consumers that read a dead-letter topic by assignment: no group, nothing committed, no topic
 * created by reading one that is missing. Each blocks its caller (a reader or redrive thread,
 * never the event loop) for at most {@link #TIMEOUT} per call.
 */
final class DeadLetterReaders {
    static final Duration TIMEOUT = Duration.ofSeconds(5);
    private final Map<String, Object> config;

    DeadLetterReaders(Map<String, Object> kafka) {
        Map<String, Object> c = new HashMap<>(kafka);
        c.remove(ConsumerConfig.GROUP_ID_CONFIG);
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        c.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, DeadLetterBrowser.CHUNK);
        c.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
        c.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, "sluice-dead-letter-reader");
        // Sluice's own consumer settings (deserializers, the intake's tuning) are not for this one
        c.remove(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG);
        c.remove(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG);
        this.config = c;
    }

    Reader open() {
        return new Reader(new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer()));
    }

    static final class Reader implements AutoCloseable {
        private final KafkaConsumer<byte[], byte[]> consumer;

        Reader(KafkaConsumer<byte[], byte[]> consumer) {
            this.consumer = consumer;
        }

        /** The topic's partitions; empty when the topic does not exist. */
        List<TopicPartition> partitions(String topic) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, TIMEOUT);
            List<TopicPartition> tps = new ArrayList<>();
            if (infos != null) {
                infos.forEach(i -> tps.add(new TopicPartition(topic, i.partition())));
            }
            tps.sort((a, b) -> Integer.compare(a.partition(), b.partition()));
            return tps;
        }

        /**
         * Per partition [first, end) offsets of the records dead-lettered from {@code fromMs} to
         * {@code toMs} (null: no bound), by the broker's time index; records are still checked one
         * by one, since a producer may set timestamps out of order.
         */
        Map<TopicPartition, long[]> ranges(String topic, Long fromMs, Long toMs) {
            List<TopicPartition> tps = partitions(topic);
            Map<TopicPartition, long[]> ranges = new LinkedHashMap<>();
            if (tps.isEmpty()) {
                return ranges;
            }
            Map<TopicPartition, Long> begin = consumer.beginningOffsets(tps, TIMEOUT);
            Map<TopicPartition, Long> end = consumer.endOffsets(tps, TIMEOUT);
            Map<TopicPartition, OffsetAndTimestamp> from = fromMs == null ? Map.of() : at(tps, fromMs);
            Map<TopicPartition, OffsetAndTimestamp> to = toMs == null ? Map.of() : at(tps, toMs);
            for (TopicPartition tp : tps) {
                long lo = begin.getOrDefault(tp, 0L);
                long hi = end.getOrDefault(tp, lo);
                if (fromMs != null) {
                    OffsetAndTimestamp f = from.get(tp);
                    lo = Math.max(lo, f == null ? hi : f.offset());
                }
                if (toMs != null) {
                    OffsetAndTimestamp t = to.get(tp);
                    hi = Math.min(hi, t == null ? hi : t.offset());
                }
                ranges.put(tp, new long[] {lo, Math.max(lo, hi)});
            }
            return ranges;
        }

        private Map<TopicPartition, OffsetAndTimestamp> at(List<TopicPartition> tps, long ms) {
            Map<TopicPartition, Long> query = new HashMap<>();
            tps.forEach(tp -> query.put(tp, ms));
            Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(query, TIMEOUT);
            Map<TopicPartition, OffsetAndTimestamp> out = new HashMap<>();
            found.forEach((tp, o) -> {
                if (o != null) {
                    out.put(tp, o);
                }
            });
            return out;
        }

        /**
         * The records at offsets [from, to) of one partition, in offset order (gaps left by
         * compaction or transaction markers are skipped); fails when the broker does not give them
         * within {@link #TIMEOUT}.
         */
        List<ConsumerRecord<byte[], byte[]>> read(TopicPartition tp, long from, long to) {
            List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
            if (from >= to) {
                return out;
            }
            consumer.assign(List.of(tp));
            consumer.seek(tp, from);
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (consumer.position(tp, TIMEOUT) < to) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("dead-letter topic " + tp + " gave no records from offset "
                            + consumer.position(tp) + " within " + TIMEOUT.toSeconds() + " s");
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200)).records(tp)) {
                    if (r.offset() < to) {
                        out.add(r);
                    }
                }
            }
            return out;
        }

        @Override
        public void close() {
            consumer.close(Duration.ofSeconds(1));
        }
    }
}
