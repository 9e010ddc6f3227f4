package dev.sluice.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;

import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class ConsumerStateTest {
    private static final TopicPartition P0 = new TopicPartition("orders", 0);
    private static final TopicPartition P1 = new TopicPartition("orders", 1);
    private static final TopicPartition P2 = new TopicPartition("orders", 2);

    @Test
    void readsAssignmentPausedPartitionsAndTheLagOfThoseWithAKnownEnd() {
        MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest") {
            @Override
            public synchronized OptionalLong currentLag(TopicPartition tp) {
                // what a real consumer answers for a partition it has not fetched yet
                return tp.equals(P2) ? OptionalLong.empty() : super.currentLag(tp);
            }
        };
        consumer.assign(List.of(P0, P1, P2));
        consumer.updateBeginningOffsets(Map.of(P0, 0L, P1, 0L, P2, 0L));
        consumer.seek(P0, 40);
        consumer.seek(P1, 100);
        consumer.updateEndOffsets(Map.of(P0, 100L, P1, 100L, P2, 100L));
        consumer.pause(List.of(P1));

        ConsumerState state = ConsumerState.of(consumer);

        assertEquals(Set.of(P0, P1, P2), state.assigned());
        assertEquals(Map.of(P0, 60L, P1, 0L), state.lag());
        assertEquals(60, state.lagOf(P0));
        assertEquals(0, state.lagOf(P1));
        // the end of P2 is not known yet: no lag rather than a made-up one
        assertTrue(Double.isNaN(state.lagOf(P2)));
        assertEquals(0, state.pausedOf(P0));
        assertEquals(1, state.pausedOf(P1));
    }
}
