package dev.sluice.intake;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Default;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

import dev.sluice.config.Channels;
import dev.sluice.pipeline.Event;
import dev.sluice.pipeline.Ownership;
import dev.sluice.schedule.GroupShares;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;

/**
 * Counts how often each partition was taken from this replica. A record remembers the count of
 * its partition when it was taken; if the partition has been revoked since, the record belongs to
 * another owner now, which reads it again from the committed offset. Such a record that has not
 * started yet is let go (abandoned, not acked) instead of being delivered twice; one already on
 * the wire finishes. Installed as the intake channel's rebalance listener.
 *
 * <p>It also tells {@link GroupShares} which partitions this replica holds after each change, and
 * how many each source topic has, for group-wide rate limits.
 */
@ApplicationScoped
@Default
@Identifier(Revocations.NAME)
public class Revocations implements KafkaConsumerRebalanceListener, Ownership {
    static final String NAME = Channels.INTAKE_REBALANCE_LISTENER;
    private static final Logger LOG = Logger.getLogger(Revocations.class);

    private final ConcurrentHashMap<TopicPartition, Integer> epochs = new ConcurrentHashMap<>();
    /** How long the partition count of a topic is waited for, on the polling thread, in a rebalance. */
    private static final Duration METADATA_WAIT = Duration.ofSeconds(2);

    private final PartitionPressure pressure;
    private final GroupShares shares;
    /** The partitions held now; written on the polling thread only. */
    private final Set<TopicPartition> held = ConcurrentHashMap.newKeySet();

    Revocations(PartitionPressure pressure, GroupShares shares) {
        this.pressure = pressure;
        this.shares = shares;
        // created when the channel is, before its first poll: every polled record is stamped
        PollGate.install(this);
    }

    @Override
    public void onPartitionsRevoked(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        for (TopicPartition tp : partitions) {
            epochs.merge(tp, 1, Integer::sum);
        }
        pressure.revoked(partitions);
        held.removeAll(partitions);
        share(consumer);
        if (!partitions.isEmpty()) {
            LOG.infof("partitions revoked: %s; their records not yet started are left to the next owner", partitions);
        }
    }

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        // a record taken from now on carries the current count; a partition comes back unpaused
        pressure.assigned(consumer, partitions);
        held.addAll(partitions);
        share(consumer);
    }

    /**
     * Reports the partitions held per topic and each subscribed topic's partition count. The
     * counts come from the consumer's metadata, which a rebalance has just refreshed; a topic
     * whose count cannot be had within {@link #METADATA_WAIT} keeps the one last known.
     */
    private void share(Consumer<?, ?> consumer) {
        Map<String, Integer> assigned = new HashMap<>();
        held.forEach(tp -> assigned.merge(tp.topic(), 1, Integer::sum));
        Set<String> topics = new TreeSet<>(assigned.keySet());
        try {
            topics.addAll(consumer.subscription());
        } catch (RuntimeException e) {
            LOG.debugf("subscription unknown in a rebalance: %s", e.toString());
        }
        Map<String, Integer> partitions = new HashMap<>();
        for (String topic : topics) {
            try {
                List<PartitionInfo> info = consumer.partitionsFor(topic, METADATA_WAIT);
                if (info != null && !info.isEmpty()) {
                    partitions.put(topic, info.size());
                }
            } catch (RuntimeException e) {
                LOG.warnf("partition count of %s unknown (%s); group-wide rate limits use the last one known", topic,
                        e.toString());
            }
        }
        shares.assignment(assigned, partitions);
        LOG.debugf("partitions held per topic %s, of %s", assigned, partitions);
    }

    /** The revocation count of a partition now. */
    @Override
    public int epoch(String topic, int partition) {
        return epochs.getOrDefault(new TopicPartition(topic, partition), 0);
    }

    @Override
    public boolean owns(String topic, int partition) {
        return held.contains(new TopicPartition(topic, partition));
    }

    @Override
    public boolean revokedSince(Event event) {
        return epoch(event.topic(), event.partition()) != event.epoch();
    }
}
