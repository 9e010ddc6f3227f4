package dev.sluice.metrics;

import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;

/**
 * What the intake consumer knows about its partitions at one moment: those assigned, those paused
 * (the connector pauses them while the pipeline is full) and the lag of each whose lag is known.
 *
 * @param lag records between the consumer's position and the partition's end (high watermark), as
 *        of the consumer's last fetch of the partition; absent until that is known
 */
record ConsumerState(Set<TopicPartition> assigned, Set<TopicPartition> paused, Map<TopicPartition, Long> lag) {
    static final ConsumerState NONE = new ConsumerState(Set.of(), Set.of(), Map.of());

    ConsumerState {
        assigned = Set.copyOf(assigned);
        paused = Set.copyOf(paused);
        lag = Map.copyOf(lag);
    }

    /**
     * Reads the state from the consumer. Only on the consumer's polling thread: a Kafka consumer
     * refuses calls from other threads. Makes no remote call ({@code currentLag} reads what the
     * last fetch brought), so it cannot hold up polling.
     */
    static ConsumerState of(Consumer<?, ?> consumer) {
        Set<TopicPartition> assigned = consumer.assignment();
        Map<TopicPartition, Long> lag = new HashMap<>();
        for (TopicPartition tp : assigned) {
            OptionalLong l = consumer.currentLag(tp);
            if (l.isPresent()) {
                lag.put(tp, l.getAsLong());
            }
        }
        return new ConsumerState(assigned, consumer.paused(), lag);
    }

    double lagOf(TopicPartition tp) {
        Long l = lag.get(tp);
        return l == null ? Double.NaN : l;
    }

    double pausedOf(TopicPartition tp) {
        return paused.contains(tp) ? 1 : 0;
    }
}
