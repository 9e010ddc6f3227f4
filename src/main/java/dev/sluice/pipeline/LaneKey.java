package dev.sluice.pipeline;

import java.nio.ByteBuffer;

import dev.sluice.config.Ordering;

/**
 * Which records of a route run one after another (an ordering lane): those of one partition, or
 * those of one key within a partition. Every lane lies within one partition, so a stage can count
 * what waits in a lane against its partition without knowing the ordering mode.
 */
public sealed interface LaneKey permits LaneKey.Partition, LaneKey.Key {

    String topic();

    int partition();

    /** Records of one partition of one topic. */
    record Partition(String topic, int partition) implements LaneKey {
    }

    /** Records of one key in one partition of one topic (ByteBuffer compares the key's bytes). */
    record Key(String topic, int partition, ByteBuffer key) implements LaneKey {
    }

    /** The lane of {@code event} under {@code ordering}; null means no lane (any order). A null key shares its partition's lane. */
    static LaneKey of(Ordering ordering, Event event) {
        return switch (ordering) {
            case NONE -> null;
            case PARTITION -> new Partition(event.topic(), event.partition());
            case KEY -> event.key() == null
                    ? new Partition(event.topic(), event.partition())
                    : new Key(event.topic(), event.partition(), ByteBuffer.wrap(event.key()));
        };
    }
}
