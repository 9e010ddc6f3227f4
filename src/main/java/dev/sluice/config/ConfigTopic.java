package dev.sluice.config;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.TopicPartition;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.mutiny.Uni;

/**
 * The live config's way to every replica: a compacted topic with one partition and one key.
 * A PUT writes the validated config there; every replica reads the topic from the beginning on
 * startup and follows it ({@link ConfigFollower}), feeding {@link CurrentConfig}. The version of a
 * config is its offset + 1 plus the base its record carries ({@link ConfigRecord}), so every
 * replica gives the same config the same version. Properties only seed a topic that never held a
 * record.
 *
 * <p>A write answers only once its own record is the config in force on this replica; a record
 * the replicas pass over (the topic was re-created, its versions went backwards) fails the write
 * with {@link ConfigNotInForceException}, and so does a write refused up front because the topic is
 * in no state to take it ({@link ConfigTopicIntegrity}). Until the topic has been read up to the
 * end offset found at startup, with no problem found, {@link #loaded()} is incomplete: the intake
 * does not start and readiness stays DOWN.
 */
@ApplicationScoped
public class ConfigTopic {
    private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(15);
    /** PUTs waiting for their record to come back at once; more are refused (503), not queued. */
    private static final int MAX_WAITING_PUTS = 64;

    private final CurrentConfig current;
    private final ObjectMapper mapper;
    private final SluiceSettings settings;
    private final Map<String, Object> kafka;
    private final TopicPartition partition;
    private final ConfigTopicIntegrity integrity;
    private final CompletableFuture<Void> loaded = new CompletableFuture<>();
    private final Reads reads = new Reads();
    private ConfigWriter writer;
    private ConfigTopicAdmin admin;
    private ConfigFollower follower;
    private Thread followerThread;

    ConfigTopic(CurrentConfig current, ObjectMapper mapper, SluiceSettings settings,
            @Identifier("default-kafka-broker") Map<String, Object> kafka) {
        this.current = current;
        this.mapper = mapper;
        this.settings = settings;
        this.kafka = kafka;
        this.partition = new TopicPartition(settings.configTopic(), 0);
        this.integrity = new ConfigTopicIntegrity(settings.configTopic());
    }

    void start(@Observes StartupEvent event) {
        writer = new ConfigWriter(partition, clientConfig(ConfigWriter.producerSettings()));
        admin = new ConfigTopicAdmin(partition.topic(), clientConfig(Map.of()));
        follower = new ConfigFollower(partition, clientConfig(Map.of(
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                // a position past the end means the topic lost records: an error, never a silent jump
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none",
                // reading a deleted topic must not re-create it (auto-create would make it uncompacted)
                ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false",
                ConsumerConfig.CLIENT_ID_CONFIG, "sluice-config-follower")),
                admin, integrity, current, writer, reads, loaded, settings, mapper);
        followerThread = new Thread(follower, "sluice-config-follower");
        followerThread.setDaemon(true);
        followerThread.start();
    }

    /** Completes once the topic has been read up to where it ended at startup, with no problem found. */
    public CompletableFuture<Void> loaded() {
        return loaded;
    }

    public boolean isLoaded() {
        return loaded.isDone() && !loaded.isCompletedExceptionally();
    }

    /** What is wrong with the topic, as this replica sees it. */
    public ConfigTopicIntegrity integrity() {
        return integrity;
    }

    /** Writes a validated config to the topic; completes with its version once it is in force on this replica. */
    public Uni<Long> write(SluiceConfig config) {
        return write(config, false);
    }

    /**
     * Writes a validated config as a reseed: accepted by a topic that lost its history (its version
     * is above every version this replica has seen, whatever the offset), refused like any write by
     * a topic that is missing or not compacted.
     */
    public Uni<Long> reseed(SluiceConfig config) {
        return write(config, true);
    }

    private Uni<Long> write(SluiceConfig config, boolean reseed) {
        if (integrity.problems().containsKey(ConfigTopicIntegrity.Problem.MISSING)) {
            return Uni.createFrom().failure(new IllegalStateException("config topic " + partition.topic() + " "
                    + integrity.problems().get(ConfigTopicIntegrity.Problem.MISSING)));
        }
        Optional<String> refusal = integrity.refusal(reseed);
        if (refusal.isPresent()) {
            return Uni.createFrom().failure(new ConfigNotInForceException("config topic " + partition.topic() + ": " + refusal.get()));
        }
        String json = ConfigJson.write(config, mapper).toString();
        long base = reseed ? follower.floor() : follower.baseInForce();
        String writeId = UUID.randomUUID().toString();
        CompletableFuture<Void> inForce = reads.register(writeId);
        if (inForce == null) {
            return Uni.createFrom().failure(new IllegalStateException(MAX_WAITING_PUTS + " config writes wait already"));
        }
        return writer.send(ConfigRecord.KEY, json, ConfigRecord.config(base, writeId))
                .chain(offset -> Uni.createFrom().completionStage(inForce).replaceWith(base + offset + 1))
                .ifNoItem().after(WRITE_TIMEOUT).failWith(() -> new IllegalStateException(
                        "config not written and applied within " + WRITE_TIMEOUT));
    }

    private Map<String, Object> clientConfig(Map<String, Object> extra) {
        Map<String, Object> config = new HashMap<>(kafka);
        // the follower reads by assignment, not as a member of the intake's consumer group
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        config.putAll(extra);
        return config;
    }

    @PreDestroy
    void stop() {
        if (follower != null) {
            follower.stop();
        }
        if (followerThread != null) {
            try {
                followerThread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (writer != null) {
            writer.close();
        }
        if (admin != null) {
            admin.close();
        }
        reads.failAll();
    }

    /**
     * PUTs waiting for their record to be read here, by the write id their record carries (an
     * offset would not do: after the topic is re-created the same offset names another record).
     * A PUT registers before it sends, so the follower cannot read the record before anyone waits.
     */
    private static final class Reads implements ConfigFollower.Reads {
        private final Map<String, CompletableFuture<Void>> waiting = new HashMap<>();

        @Override
        public void read(String writeId, String notInForce) {
            CompletableFuture<Void> f;
            synchronized (this) {
                f = waiting.remove(writeId);
            }
            if (f == null) {
                return; // another replica's write, or a PUT that gave up waiting
            }
            if (notInForce == null) {
                f.complete(null);
            } else {
                f.completeExceptionally(new ConfigNotInForceException(notInForce));
            }
        }

        /** Null when too many PUTs wait already (each waits at most WRITE_TIMEOUT). */
        synchronized CompletableFuture<Void> register(String writeId) {
            if (waiting.size() >= MAX_WAITING_PUTS) {
                return null;
            }
            CompletableFuture<Void> f = new CompletableFuture<>();
            waiting.put(writeId, f);
            f.orTimeout(WRITE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).whenComplete((v, t) -> forget(writeId));
            return f;
        }

        private synchronized void forget(String writeId) {
            waiting.remove(writeId);
        }

        void failAll() {
            Map<String, CompletableFuture<Void>> all;
            synchronized (this) {
                all = new HashMap<>(waiting);
                waiting.clear();
            }
            all.values().forEach(f -> f.completeExceptionally(new IllegalStateException("shutting down")));
        }
    }
}
