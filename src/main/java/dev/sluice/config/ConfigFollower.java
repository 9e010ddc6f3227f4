package dev.sluice.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

import dev.sluice.config.ConfigTopicIntegrity.Problem;

/**
 * The thread that reads the config topic and puts each config in force ({@link CurrentConfig}),
 * checking the topic as it goes (every {@code sluice.config-topic-check-interval}).
 *
 * <pre>
 * connect: topic created if missing -> same incarnation as before? seek past what was read
 *                                      new one (re-created)?      read it from the start; if this
 *                                                                 replica ran a config from the old
 *                                                                 one: RESET, write a reset marker
 * record:  config, version above all seen -> in force (clears RECORD and RESET)
 *          version at or below             -> RESET (ignored)
 *          reset marker                    -> RESET, and its version is now the floor
 *          tombstone / unreadable / invalid -> RECORD (ignored)
 * loaded:  read to the end found at connect, no problem, and a config from the topic in force, or
 *          the topic has never held a record and stayed empty for sluice.config-topic-empty-wait,
 *          or at once when the intake's consumer group has no member (no replica runs a config a
 *          re-created topic could have lost, so no reset marker can come)
 * </pre>
 */
final class ConfigFollower implements Runnable {
    private static final Logger LOG = Logger.getLogger(ConfigFollower.class);
    private static final long RETRY_MAX_MS = 10_000;

    /** Told the fate of each record read, so a PUT learns whether its record was put in force. */
    interface Reads {
        /** {@code notInForce} is null when the record written as {@code writeId} is the config in force. */
        void read(String writeId, String notInForce);
    }

    private final TopicPartition partition;
    private final Map<String, Object> consumerConfig;
    private final ConfigTopicAdmin admin;
    private final ConfigTopicIntegrity integrity;
    private final CurrentConfig current;
    private final ConfigWriter writer;
    private final Reads reads;
    private final CompletableFuture<Void> loaded;
    private final Duration checkInterval;
    private final Duration emptyWait;
    private final String groupId;
    private final com.fasterxml.jackson.databind.ObjectMapper mapper;

    private volatile boolean running = true;
    private volatile KafkaConsumer<String, String> consumer;
    /** The incarnation (topic id) readOffset refers to; null before the first connect. */
    private Uuid incarnation;
    private long readOffset = -1;
    /** The highest version seen, in force or named by a reset marker: a record must be above it. */
    private volatile long floor;
    /** Base of the config in force: a plain write continues its numbering. */
    private volatile long baseInForce;
    private long loadEnd;
    private long emptySince;
    /** At the last connect the topic had never held a record and the group had no member. */
    private boolean aloneOnAnEmptyTopic;

    ConfigFollower(TopicPartition partition, Map<String, Object> consumerConfig, ConfigTopicAdmin admin,
            ConfigTopicIntegrity integrity, CurrentConfig current, ConfigWriter writer, Reads reads,
            CompletableFuture<Void> loaded, SluiceSettings settings, com.fasterxml.jackson.databind.ObjectMapper mapper) {
        this.partition = partition;
        this.consumerConfig = consumerConfig;
        this.admin = admin;
        this.integrity = integrity;
        this.current = current;
        this.writer = writer;
        this.reads = reads;
        this.loaded = loaded;
        this.checkInterval = settings.configTopicCheckInterval();
        this.emptyWait = settings.configTopicEmptyWait();
        this.groupId = settings.groupId();
        this.mapper = mapper;
        this.floor = current.versioned().version();
    }

    long floor() {
        return floor;
    }

    long baseInForce() {
        return baseInForce;
    }

    @Override
    public void run() {
        long backoff = 100;
        while (running) {
            try {
                connect();
                backoff = 100;
                long nextCheck = System.nanoTime() + checkInterval.toNanos();
                boolean reconnect = false;
                while (running && !reconnect) {
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                        read(r);
                    }
                    if (System.nanoTime() - nextCheck >= 0) {
                        reconnect = check();
                        nextCheck = System.nanoTime() + checkInterval.toNanos();
                    }
                    markLoadedWhenDue();
                }
            } catch (WakeupException e) {
                return;
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                integrity.raise(Problem.UNREACHABLE, "cannot follow it: " + e + "; retrying");
                closeConsumer();
                pause(backoff);
                backoff = Math.min(backoff * 2, RETRY_MAX_MS);
            } finally {
                closeConsumer();
            }
        }
    }

    private void connect() {
        ConfigTopicAdmin.State state = admin.ensure();
        integrity.clear(Problem.UNREACHABLE);
        integrity.clear(Problem.MISSING);
        checkPolicy(state);
        consumer = new KafkaConsumer<>(consumerConfig, new StringDeserializer(), new StringDeserializer());
        consumer.assign(List.of(partition));
        if (!state.id().equals(incarnation)) {
            if (incarnation != null) {
                onRecreated(state.id());
            }
            incarnation = state.id();
            readOffset = -1;
        }
        if (readOffset < 0) {
            consumer.seekToBeginning(List.of(partition));
        } else {
            consumer.seek(partition, readOffset + 1);
        }
        if (!loaded.isDone()) {
            loadEnd = consumer.endOffsets(List.of(partition), Duration.ofSeconds(10)).get(partition);
            emptySince = System.nanoTime();
            aloneOnAnEmptyTopic = loadEnd == 0 && admin.groupIsEmpty(groupId).orElse(false);
        }
    }

    /** A new incarnation under a replica that ran a config from the old one: that config is lost to it. */
    private void onRecreated(Uuid id) {
        long lost = floor;
        if (lost <= 0) {
            return; // ran the startup properties: the new topic lost nothing this replica had
        }
        integrity.raise(Problem.RESET, ConfigRecord.resetReason(lost, "re-created (topic id " + incarnation + " -> " + id + ")"));
        // replicas that start on this empty-looking topic must know it once held version `lost`
        writer.send(ConfigRecord.KEY, ConfigRecord.resetMarkerValue(lost), ConfigRecord.resetMarker(lost)).subscribe().with(
                offset -> LOG.infof("config topic %s: reset marker for version %d written at offset %d", partition.topic(), lost, offset),
                e -> LOG.errorf("config topic %s: reset marker for version %d not written: %s", partition.topic(), lost, e.toString()));
    }

    /** Returns true when the follower must reconnect (the topic is gone or another incarnation). */
    private boolean check() {
        var state = admin.describe();
        if (state.isEmpty()) {
            integrity.raise(Problem.MISSING, "deleted; writes are refused until Sluice has re-created it (compacted)");
            return true;
        }
        checkPolicy(state.get());
        return !state.get().id().equals(incarnation);
    }

    private void checkPolicy(ConfigTopicAdmin.State state) {
        if (state.compacted()) {
            integrity.clear(Problem.NOT_COMPACTED);
        } else {
            integrity.raise(Problem.NOT_COMPACTED, "cleanup.policy=" + state.cleanupPolicy() + ", not compact: retention would "
                    + "delete the config in force (auto-create makes topics so); writes are refused until it is fixed: "
                    + "kafka-configs.sh --alter --entity-type topics --entity-name " + partition.topic()
                    + " --add-config cleanup.policy=compact");
        }
    }

    private void read(ConsumerRecord<String, String> r) {
        readOffset = r.offset();
        String notInForce = apply(r);
        String writeId = ConfigRecord.writeId(r.headers());
        if (writeId != null) {
            reads.read(writeId, notInForce);
        }
    }

    /** Puts the record's config in force, or says why not (and raises the problem). */
    private String apply(ConsumerRecord<String, String> r) {
        if (!ConfigRecord.KEY.equals(r.key())) {
            LOG.warnf("config topic %s offset %d: record under key %s ignored", partition.topic(), r.offset(), r.key());
            return "not under the config key";
        }
        OptionalLong resetFrom = ConfigRecord.resetFrom(r.headers());
        if (resetFrom.isPresent()) {
            floor = Math.max(floor, resetFrom.getAsLong());
            return raise(Problem.RESET, ConfigRecord.resetReason(resetFrom.getAsLong(), "reset marker at offset " + r.offset()));
        }
        if (r.value() == null) {
            return raise(Problem.RECORD, "offset " + r.offset() + ": a tombstone under the config key (compaction will drop "
                    + "the config in force with it); the config in force stays until a PUT writes a new one");
        }
        SluiceConfig config;
        try {
            config = ConfigJson.read(mapper.readTree(r.value()));
        } catch (InvalidConfigException e) {
            return raise(Problem.RECORD, "offset " + r.offset() + ": invalid config ignored, the one in force stays: " + e.getMessage());
        } catch (Exception e) {
            return raise(Problem.RECORD, "offset " + r.offset() + ": unreadable record ignored, the one in force stays (" + e + ")");
        }
        long base = ConfigRecord.base(r.headers());
        long version = base + r.offset() + 1;
        if (version <= floor) {
            return raise(Problem.RESET, ConfigRecord.resetReason(floor, "offset " + r.offset() + " is version " + version
                    + ", not above version " + floor));
        }
        current.apply(version, config);
        floor = version;
        baseInForce = base;
        integrity.clear(Problem.RECORD);
        integrity.clear(Problem.RESET);
        return null;
    }

    private String raise(Problem problem, String reason) {
        integrity.raise(problem, reason);
        return "config topic " + partition.topic() + ": " + reason;
    }

    private void markLoadedWhenDue() {
        if (loaded.isDone() || consumer.position(partition) < loadEnd || !integrity.sound()) {
            return;
        }
        if (current.versioned().version() > 0) {
            markLoaded("read up to offset " + loadEnd);
        } else if (loadEnd > 0) {
            integrity.raise(Problem.RECORD, "holds " + loadEnd + " records and no config this replica can use: other replicas "
                    + "may run one it lost; a PUT puts one in force");
        } else if (aloneOnAnEmptyTopic) {
            markLoaded("the topic is empty and consumer group " + groupId + " has no member, so no replica runs a config it "
                    + "could have lost: the startup properties are the config (version 0)");
        } else if (System.nanoTime() - emptySince >= emptyWait.toNanos()) {
            markLoaded("the topic is empty and stayed so for " + emptyWait + ": the startup properties are the config (version 0)");
        }
    }

    private void markLoaded(String how) {
        LOG.infof("config loaded from %s (%s): version %d", partition.topic(), how, current.versioned().version());
        loaded.complete(null);
    }

    private void closeConsumer() {
        KafkaConsumer<String, String> c = consumer;
        consumer = null;
        if (c != null) {
            c.close(Duration.ofSeconds(2));
        }
    }

    /**
     * The reconnect backoff of the follower's own thread ("sluice-config-follower"), never an event
     * loop or worker: a Kafka consumer is single-threaded and this thread does nothing else.
     * Interrupted or woken on shutdown.
     */
    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops the loop: a poll under way ends at once. */
    void stop() {
        running = false;
        KafkaConsumer<String, String> c = consumer;
        if (c != null) {
            c.wakeup();
        }
    }
}
