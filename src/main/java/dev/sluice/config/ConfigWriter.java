package dev.sluice.config;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringSerializer;

import io.smallrye.mutiny.Uni;

/**
 * Writes records to the config topic without blocking the caller. {@code KafkaProducer.send}
 * itself blocks for up to {@code max.block.ms} while the topic's metadata is missing (the first
 * write after start, a leader election, a broker outage), and a PUT arrives on a Vert.x event loop:
 * the send runs on one dedicated thread instead, with at most {@link #MAX_WAITING} writes queued
 * behind it. One thread also keeps the writes of this replica in the order they were asked for.
 */
final class ConfigWriter implements AutoCloseable {
    /** Config writes are rare and made by people: a queue longer than this means the topic is stuck. */
    static final int MAX_WAITING = 16;

    private final TopicPartition partition;
    private final KafkaProducer<String, String> producer;
    private final ThreadPoolExecutor sender;

    ConfigWriter(TopicPartition partition, Map<String, Object> clientConfig) {
        this.partition = partition;
        this.producer = new KafkaProducer<>(clientConfig, new StringSerializer(), new StringSerializer());
        this.sender = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(MAX_WAITING), r -> {
            Thread t = new Thread(r, "sluice-config-writer");
            t.setDaemon(true);
            return t;
        });
    }

    /** Producer settings of the writer, on top of the shared Kafka client settings. */
    static Map<String, Object> producerSettings() {
        return Map.of(
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true",
                ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000",
                ProducerConfig.CLIENT_ID_CONFIG, "sluice-config-writer");
    }

    /** Sends one record under {@code key}; completes with its offset once the broker has it. */
    Uni<Long> send(String key, String value, Iterable<Header> headers) {
        return Uni.createFrom().emitter(em -> {
            try {
                sender.execute(() -> {
                    try {
                        producer.send(new ProducerRecord<>(partition.topic(), partition.partition(), key, value, headers),
                                (meta, error) -> {
                                    if (error != null) {
                                        em.fail(error);
                                    } else {
                                        em.complete(meta.offset());
                                    }
                                });
                    } catch (RuntimeException e) {
                        // send throws itself when metadata did not come within max.block.ms
                        em.fail(e);
                    }
                });
            } catch (RejectedExecutionException e) {
                em.fail(new IllegalStateException("too many config writes waiting (" + MAX_WAITING
                        + "): the config topic does not take writes"));
            }
        });
    }

    @Override
    public void close() {
        sender.shutdownNow();
        producer.close(Duration.ofSeconds(5));
    }
}
