package dev.sluice.bench;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Produces a bounded number of events at a steady rate, each stamped with the moment it was handed
 * to the producer: the id is {@code <prefix>-<n>-<System.nanoTime()>} (value and key), and the
 * record timestamp is the wall clock of the same moment. The nanoTime stamp is what latency is
 * measured from: the sink runs in this JVM, so both ends read the same monotonic clock.
 */
final class PacedProducer implements AutoCloseable {
    private static final long LATE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    /** What a run did: events sent, when the first and last were sent, how many left over 1 ms late. */
    record Run(int sent, long firstNanos, long lastNanos, int late) {
        double perSecond() {
            return sent < 2 ? 0 : (sent - 1) * 1e9 / (lastNanos - firstNanos);
        }
    }

    private final KafkaProducer<byte[], byte[]> producer;

    PacedProducer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        // no batching delay: it would count as delivery latency
        p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        this.producer = new KafkaProducer<>(p);
    }

    /** The nanoTime stamp of an id this producer made. */
    static long sentAt(String id) {
        // the stamp follows the second '-'; it may itself be negative ("lat-7--123")
        return Long.parseLong(id.substring(id.indexOf('-', id.indexOf('-') + 1) + 1));
    }

    /**
     * Sends {@code count} events to {@code topic}, event n at start + n / perSecond, then waits for
     * every ack. A send that falls behind schedule goes at once; the schedule is not shifted.
     */
    Run run(String topic, String prefix, double perSecond, int count) {
        List<Future<RecordMetadata>> acks = new ArrayList<>(count);
        long start = System.nanoTime();
        long first = 0;
        long last = 0;
        int late = 0;
        for (int n = 0; n < count; n++) {
            long due = start + (long) (n * 1e9 / perSecond);
            long wait;
            while ((wait = due - System.nanoTime()) > 0) {
                LockSupport.parkNanos(wait);
            }
            long now = System.nanoTime();
            if (now - due > LATE_NANOS) {
                late++;
            }
            byte[] id = (prefix + "-" + n + "-" + now).getBytes(StandardCharsets.UTF_8);
            acks.add(producer.send(new ProducerRecord<>(topic, null, System.currentTimeMillis(), id, id)));
            first = n == 0 ? now : first;
            last = now;
        }
        for (Future<RecordMetadata> ack : acks) {
            try {
                ack.get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("a paced send failed", e);
            }
        }
        return new Run(count, first, last, late);
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
    }
}
