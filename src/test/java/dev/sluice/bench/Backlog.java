package dev.sluice.bench;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Fills a topic with a backlog of small keyed records before the application under test starts,
 * so the producer takes no CPU while rates are measured. Record n has key {@code k<n % keys>}
 * (Kafka's default partitioner spreads the keys over the partitions by hash) and value
 * {@code e-<n>}: a dozen bytes each.
 */
final class Backlog {
    private Backlog() {
    }

    /** What a fill took. */
    record Fill(long records, int keys, Duration took) {
        double perSecond() {
            return records / (took.toNanos() / 1e9);
        }

        String describe() {
            return String.format("%,d records, %,d distinct keys, produced in %.1f s (%.0f records/s)", records, keys,
                    took.toNanos() / 1e9, perSecond());
        }
    }

    /** Produces {@code records} records over {@code keys} keys to {@code topic}; returns once all are acked. */
    static Fill fill(String bootstrap, String topic, long records, int keys) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "1");
        // large batches: filling is throughput work, and the records are tiny
        p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(512 * 1024));
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, String.valueOf(128L * 1024 * 1024));
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        long started = System.nanoTime();
        AtomicLong failed = new AtomicLong();
        AtomicReference<Exception> firstFailure = new AtomicReference<>();
        byte[][] keyBytes = new byte[keys][];
        for (int k = 0; k < keys; k++) {
            keyBytes[k] = ("k" + k).getBytes(StandardCharsets.UTF_8);
        }
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            for (long n = 0; n < records; n++) {
                byte[] value = ("e-" + n).getBytes(StandardCharsets.UTF_8);
                producer.send(new ProducerRecord<>(topic, keyBytes[(int) (n % keys)], value), (meta, e) -> {
                    if (e != null) {
                        failed.incrementAndGet();
                        firstFailure.compareAndSet(null, e);
                    }
                });
            }
            producer.flush();
        }
        if (failed.get() > 0) {
            throw new IllegalStateException(failed.get() + " backlog records were not written", firstFailure.get());
        }
        return new Fill(records, keys, Duration.ofNanos(System.nanoTime() - started));
    }
}
