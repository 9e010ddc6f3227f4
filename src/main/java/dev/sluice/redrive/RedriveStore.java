package dev.sluice.redrive;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

/**
 * The redrive topic: one partition, compacted, a record per redrive ({@code op/<id>}) and per
 * cancellation ({@code cancel/<id>}). Every replica follows it from the beginning on a thread of its
 * own and hands each record to {@code apply}; writes wait for the broker's acknowledgement
 * ({@code acks=all}) for at most {@link #WRITE_TIMEOUT}.
 */
final class RedriveStore implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(RedriveStore.class);
    static final Duration WRITE_TIMEOUT = Duration.ofSeconds(10);
    private final TopicPartition partition;
    private final Map<String, Object> kafka;
    private final KafkaProducer<String, String> producer;
    private final BiConsumer<String, String> apply;
    private final Runnable onLoaded;
    private final Thread follower;
    private volatile boolean running = true;
    private volatile boolean loaded;
    private volatile KafkaConsumer<String, String> consumer;

    RedriveStore(String topic, Map<String, Object> kafka, BiConsumer<String, String> apply, Runnable onLoaded) {
        this.onLoaded = onLoaded;
        this.partition = new TopicPartition(topic, 0);
        this.kafka = new HashMap<>(kafka);
        this.kafka.remove(ConsumerConfig.GROUP_ID_CONFIG);
        this.apply = apply;
        Map<String, Object> p = new HashMap<>(this.kafka);
        p.remove(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG);
        p.remove(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) WRITE_TIMEOUT.toMillis());
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) WRITE_TIMEOUT.toMillis());
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) WRITE_TIMEOUT.toMillis() / 2);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "sluice-redrive-writer");
        this.producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
        this.follower = new Thread(this::follow, "sluice-redrive-follower");
        this.follower.setDaemon(true);
    }

    void start() {
        follower.start();
    }

    /** True once the topic was read up to where it ended when the follower started. */
    boolean loaded() {
        return loaded;
    }

    /** Writes a record and waits for the broker; null {@code value}: a tombstone. */
    void write(String key, String value) {
        try {
            producer.send(new ProducerRecord<>(partition.topic(), 0, key, value))
                    .get(WRITE_TIMEOUT.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted writing to " + partition.topic());
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new IllegalStateException("cannot write to the redrive topic " + partition.topic() + ": " + cause, cause);
        }
    }

    private void ensureTopic() {
        Map<String, Object> a = new HashMap<>(kafka);
        a.put("request.timeout.ms", 10_000);
        a.put("default.api.timeout.ms", 15_000);
        try (Admin admin = Admin.create(a)) {
            admin.createTopics(List.of(new NewTopic(partition.topic(), Optional.of(1), Optional.empty())
                    .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT))))
                    .all().get(15, TimeUnit.SECONDS);
            LOG.infof("created the redrive topic %s (compacted)", partition.topic());
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create the redrive topic " + partition.topic() + ": " + e.getCause(),
                        e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (TimeoutException e) {
            throw new IllegalStateException("the broker did not create the redrive topic " + partition.topic() + " in 15 s");
        }
    }

    private void follow() {
        long backoff = 500;
        long position = 0;
        while (running) {
            try {
                ensureTopic();
                Map<String, Object> c = new HashMap<>(kafka);
                c.remove(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG);
                c.remove(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG);
                c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
                c.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
                c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
                c.put(ConsumerConfig.CLIENT_ID_CONFIG, "sluice-redrive-follower");
                consumer = new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer());
                consumer.assign(List.of(partition));
                consumer.seek(partition, position);
                long end = consumer.endOffsets(List.of(partition), Duration.ofSeconds(10)).getOrDefault(partition, 0L);
                while (running) {
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                        position = r.offset() + 1;
                        if (r.key() != null) {
                            try {
                                apply.accept(r.key(), r.value());
                            } catch (RuntimeException e) {
                                LOG.warnf("redrive topic %s offset %d not understood, left alone: %s", partition.topic(),
                                        r.offset(), e.toString());
                            }
                        }
                    }
                    if (!loaded && consumer.position(partition) >= end) {
                        loaded = true;
                        onLoaded.run();
                    }
                    backoff = 500;
                }
            } catch (WakeupException e) {
                return;
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                LOG.warnf("cannot follow the redrive topic %s (%s); retrying in %d ms", partition.topic(), e.toString(), backoff);
                sleep(backoff);
                backoff = Math.min(backoff * 2, 30_000);
            } finally {
                KafkaConsumer<String, String> c = consumer;
                consumer = null;
                if (c != null) {
                    c.close(Duration.ofSeconds(1));
                }
            }
        }
    }

    /** On the follower's own thread (sluice-redrive-follower), never an event loop or worker. */
    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        running = false;
        KafkaConsumer<String, String> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        try {
            follower.join(3000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(3));
    }
}
