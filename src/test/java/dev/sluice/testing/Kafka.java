package dev.sluice.testing;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.awaitility.Awaitility;

/** Test-side Kafka clients: create topics, produce events, read topics, look at committed offsets. */
public final class Kafka implements AutoCloseable {
    private final String bootstrap;
    private final Admin admin;
    private final KafkaProducer<byte[], byte[]> producer;

    public Kafka(String bootstrap) {
        this(bootstrap, Map.of());
    }

    /** With producer properties added or replaced (e.g. max.request.size for large records). */
    public Kafka(String bootstrap, Map<String, String> producerOverrides) {
        this.bootstrap = bootstrap;
        this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        // one request at a time, so a retry cannot reorder; the idempotent producer's sequence
        // checks could wedge on a just-created partition (OutOfOrderSequence in a loop)
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.putAll(producerOverrides);
        this.producer = new KafkaProducer<>(p);
    }

    /** Creates the topic and returns once every partition has a leader that producers can see. */
    public void createTopic(String topic, int partitions) {
        createTopic(topic, partitions, Map.of());
    }

    /** As {@link #createTopic(String, int)}, with topic configs (e.g. cleanup.policy=compact). */
    public void createTopic(String topic, int partitions, Map<String, String> configs) {
        try {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1).configs(configs))).all().get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException(e);
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        Awaitility.await("partitions of " + topic + " have a leader").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(50)).until(() -> {
                    var infos = producer.partitionsFor(topic);
                    return infos.size() == partitions && infos.stream().allMatch(i -> i.leader() != null && !i.leader().isEmpty());
                });
    }

    /** Deletes the topic and returns once the broker has accepted the deletion. */
    public void deleteTopic(String topic) {
        try {
            admin.deleteTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Sends one record (value = id) and waits for the broker's ack. */
    public RecordMetadata send(String topic, String key, String id, Map<String, String> headers) {
        return send(topic, key, id.getBytes(StandardCharsets.UTF_8), headers);
    }

    /** Sends one record with any value (null: a tombstone) and waits for the broker's ack. */
    public RecordMetadata send(String topic, String key, byte[] value, Map<String, String> headers) {
        RecordHeaders h = new RecordHeaders();
        headers.forEach((k, v) -> h.add(k, v.getBytes(StandardCharsets.UTF_8)));
        try {
            return producer.send(new ProducerRecord<>(topic, null, key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                    value, h)).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Sends one record per id (value = id, key = id), then waits for every ack. */
    public void sendAll(String topic, List<String> ids) {
        awaitAcks(sendAsync(topic, ids), Duration.ofSeconds(60));
    }

    /**
     * Hands one record per id (value = id, key = id) to the producer and returns its acks without
     * waiting. The producer retries until its delivery timeout (120 s), so records handed over
     * while the broker is down are written once it is back.
     */
    public List<Future<RecordMetadata>> sendAsync(String topic, List<String> ids) {
        List<Future<RecordMetadata>> acks = new ArrayList<>(ids.size());
        for (String id : ids) {
            byte[] bytes = id.getBytes(StandardCharsets.UTF_8);
            acks.add(producer.send(new ProducerRecord<>(topic, bytes, bytes)));
        }
        return acks;
    }

    /** Waits for every ack, each for at most {@code timeout}; throws on the first failed one. */
    public static void awaitAcks(List<Future<RecordMetadata>> acks, Duration timeout) {
        for (Future<RecordMetadata> ack : acks) {
            try {
                ack.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /**
     * Sends one record per (key, value) pair in list order, then waits for every ack; returns the
     * metadata (partition, offset) of each, in the same order.
     */
    public List<RecordMetadata> sendKeyed(String topic, List<Map.Entry<String, String>> keyedValues) {
        List<Future<RecordMetadata>> acks = new ArrayList<>(keyedValues.size());
        for (Map.Entry<String, String> kv : keyedValues) {
            acks.add(producer.send(new ProducerRecord<>(topic, kv.getKey() == null ? null : kv.getKey().getBytes(StandardCharsets.UTF_8),
                    kv.getValue().getBytes(StandardCharsets.UTF_8))));
        }
        List<RecordMetadata> sent = new ArrayList<>(acks.size());
        for (Future<RecordMetadata> ack : acks) {
            try {
                sent.add(ack.get(60, TimeUnit.SECONDS));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        return sent;
    }

    /** Reads {@code topic} from the beginning until {@code expected} records arrived or the timeout passed. */
    public List<ConsumerRecord<byte[], byte[]>> read(String topic, int expected, Duration timeout) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "test-reader-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (out.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    /** The committed offset (next offset to read) of a group on one partition, if any. */
    public OptionalLong committed(String group, String topic, int partition) {
        try {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            OffsetAndMetadata o = offsets.get(new TopicPartition(topic, partition));
            return o == null ? OptionalLong.empty() : OptionalLong.of(o.offset());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        var h = record.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    public static String value(ConsumerRecord<byte[], byte[]> record) {
        return record.value() == null ? null : new String(record.value(), StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
        admin.close(Duration.ofSeconds(10));
    }
}
