package dev.sluice.intake;

import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Default;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

import dev.sluice.config.Channels;
import dev.sluice.pipeline.Event;
import dev.sluice.pipeline.Ownership;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;

/**
 * Counts how often each partition was taken from this replica. A record remembers the count of
 * its partition when it was taken; if the partition has been revoked since, the record belongs to
 * another owner now, which reads it again from the committed offset. Such a record that has not
 * started yet is let go (abandoned, not acked) instead of being delivered twice; one already on
 * the wire finishes. Installed as the intake channel's rebalance listener.
 */
@ApplicationScoped
@Default
@Identifier(Revocations.NAME)
public class Revocations implements KafkaConsumerRebalanceListener, Ownership {
    static final String NAME = Channels.INTAKE_REBALANCE_LISTENER;
    private static final Logger LOG = Logger.getLogger(Revocations.class);

    private final ConcurrentHashMap<TopicPartition, Integer> epochs = new ConcurrentHashMap<>();
    private final PartitionPressure pressure;

    Revocations(PartitionPressure pressure) {
        this.pressure = pressure;
        // created when the channel is, before its first poll: every polled record is stamped
        PollGate.install(this);
    }

    @Override
    public void onPartitionsRevoked(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        for (TopicPartition tp : partitions) {
            epochs.merge(tp, 1, Integer::sum);
        }
        pressure.revoked(partitions);
        if (!partitions.isEmpty()) {
            LOG.infof("partitions revoked: %s; their records not yet started are left to the next owner", partitions);
        }
    }

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        // a record taken from now on carries the current count; a partition comes back unpaused
        pressure.assigned(consumer, partitions);
    }

    /** The revocation count of a partition now. */
    public int epoch(String topic, int partition) {
        return epochs.getOrDefault(new TopicPartition(topic, partition), 0);
    }

    @Override
    public boolean revokedSince(Event event) {
        return epoch(event.topic(), event.partition()) != event.epoch();
    }
}
