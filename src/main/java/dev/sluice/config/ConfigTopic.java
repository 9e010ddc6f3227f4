package dev.sluice.config;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.mutiny.Uni;

/**
 * The live config's way to every replica: a compacted topic with one partition and one key.
 * A PUT writes the validated config there; every replica reads the topic from the beginning on
 * startup and follows it, feeding {@link CurrentConfig}. The version of a config is its offset + 1,
 * so every replica gives the same config the same version. Properties only seed an empty topic.
 *
 * <p>One dedicated thread polls the topic (a Kafka consumer is single-threaded). Until it has read
 * up to the end offset it found at startup, {@link #loaded()} is incomplete: the intake does not
 * start and readiness stays DOWN.
 */
@ApplicationScoped
public class ConfigTopic {
    private static final Logger LOG = Logger.getLogger(ConfigTopic.class);
    static final String KEY = "sluice-config";
    private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration RETRY_MAX = Duration.ofSeconds(10);

    private final CurrentConfig current;
    private final ObjectMapper mapper;
    private final Map<String, Object> kafka;
    private final TopicPartition partition;
    private final CompletableFuture<Void> loaded = new CompletableFuture<>();
    /** PUTs waiting for their record to be applied here, by offset; at most one per PUT in progress. */
    private final ConcurrentSkipListMap<Long, CompletableFuture<Void>> waitingForOffset = new ConcurrentSkipListMap<>();
    private volatile boolean running = true;
    private volatile long appliedOffset = -1;
    private volatile KafkaConsumer<String, String> consumer;
    private ConfigWriter writer;
    private Thread follower;

    ConfigTopic(CurrentConfig current, ObjectMapper mapper, SluiceSettings settings,
            @Identifier("default-kafka-broker") Map<String, Object> kafka) {
        this.current = current;
        this.mapper = mapper;
        this.kafka = kafka;
        this.partition = new TopicPartition(settings.configTopic(), 0);
    }

    void start(@Observes StartupEvent event) {
        writer = new ConfigWriter(partition, clientConfig(ConfigWriter.producerSettings()));
        follower = new Thread(this::follow, "sluice-config-follower");
        follower.setDaemon(true);
        follower.start();
    }

    /** Completes once the topic has been read up to where it ended at startup. */
    public CompletableFuture<Void> loaded() {
        return loaded;
    }

    public boolean isLoaded() {
        return loaded.isDone() && !loaded.isCompletedExceptionally();
    }

    /** Writes a validated config to the topic; completes with its version once applied on this replica. */
    public Uni<Long> write(SluiceConfig config) {
        String json = ConfigJson.write(config, mapper).toString();
        return writer.send(KEY, json, List.of())
                .chain(offset -> Uni.createFrom().completionStage(awaitApplied(offset)).replaceWith(offset + 1))
                .ifNoItem().after(WRITE_TIMEOUT).failWith(() -> new IllegalStateException(
                        "config not written and applied within " + WRITE_TIMEOUT));
    }

    private CompletableFuture<Void> awaitApplied(long offset) {
        if (appliedOffset >= offset) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> f = waitingForOffset.computeIfAbsent(offset, o -> new CompletableFuture<>());
        if (appliedOffset >= offset) {
            // applied between the check and the registration
            completeUpTo(appliedOffset);
        }
        return f.orTimeout(WRITE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((v, t) -> waitingForOffset.remove(offset));
    }

    private void follow() {
        long backoff = 100;
        while (running) {
            try {
                ensureTopic();
                consumer = new KafkaConsumer<>(clientConfig(Map.of(
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                        ConsumerConfig.CLIENT_ID_CONFIG, "sluice-config-follower")),
                        new StringDeserializer(), new StringDeserializer());
                consumer.assign(List.of(partition));
                consumer.seekToBeginning(List.of(partition));
                long end = consumer.endOffsets(List.of(partition), Duration.ofSeconds(10)).get(partition);
                if (end == 0) {
                    markLoaded("the topic is empty: the startup properties are the config (version 0)");
                }
                while (running) {
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                        apply(r);
                    }
                    if (!loaded.isDone() && consumer.position(partition) >= end) {
                        markLoaded("read up to offset " + end);
                    }
                }
            } catch (WakeupException e) {
                return;
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                LOG.warnf("config topic %s: %s; retrying in %d ms", partition.topic(), e.toString(), backoff);
                closeConsumer();
                sleep(backoff);
                backoff = Math.min(backoff * 2, RETRY_MAX.toMillis());
            } finally {
                closeConsumer();
            }
        }
    }

    private void apply(ConsumerRecord<String, String> r) {
        if (r.value() == null) {
            LOG.warnf("config topic %s offset %d: empty record ignored", partition.topic(), r.offset());
        } else {
            try {
                SluiceConfig config = ConfigJson.read(mapper.readTree(r.value()));
                current.apply(r.offset() + 1, config);
            } catch (InvalidConfigException e) {
                LOG.errorf("config topic %s offset %d: invalid config ignored, the one in force stays: %s",
                        partition.topic(), r.offset(), e.getMessage());
            } catch (Exception e) {
                LOG.errorf("config topic %s offset %d: unreadable record ignored (%s)", partition.topic(), r.offset(),
                        e.toString());
            }
        }
        appliedOffset = r.offset();
        completeUpTo(r.offset());
    }

    private void completeUpTo(long offset) {
        waitingForOffset.headMap(offset, true).values().forEach(f -> f.complete(null));
    }

    private void markLoaded(String how) {
        LOG.infof("config loaded from %s (%s): version %d", partition.topic(), how, current.versioned().version());
        loaded.complete(null);
    }

    private void ensureTopic() {
        try (Admin admin = Admin.create(clientConfig(Map.of()))) {
            NewTopic topic = new NewTopic(partition.topic(), 1, (short) -1)
                    .configs(Map.of("cleanup.policy", "compact"));
            admin.createTopics(List.of(topic)).all().get(15, TimeUnit.SECONDS);
            LOG.infof("created the compacted config topic %s", partition.topic());
        } catch (java.util.concurrent.ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create config topic " + partition.topic() + ": " + e.getCause(), e);
            }
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("cannot reach Kafka to create config topic " + partition.topic(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private Map<String, Object> clientConfig(Map<String, Object> extra) {
        Map<String, Object> config = new HashMap<>(kafka);
        // the follower reads by assignment, not as a member of the intake's consumer group
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        config.putAll(extra);
        return config;
    }

    private void closeConsumer() {
        KafkaConsumer<String, String> c = consumer;
        consumer = null;
        if (c != null) {
            c.close(Duration.ofSeconds(2));
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @PreDestroy
    void stop() {
        running = false;
        KafkaConsumer<String, String> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        if (follower != null) {
            try {
                follower.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (writer != null) {
            writer.close();
        }
        waitingForOffset.values().forEach(f -> f.completeExceptionally(new IllegalStateException("shutting down")));
    }
}
