package dev.sluice.schedule;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;

import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.reactive.messaging.Message;

import dev.sluice.pipeline.Event;

/**
 * Records received and not yet started, one FIFO queue per partition, taken round robin across
 * partitions. A partition whose records pile up behind their lanes is skipped (its records keep
 * their order and wait here), so its records cannot take the in-flight budget the other
 * partitions need: with every partition backlogged, partition mode delivers from all of them at
 * once. Bounded by {@link PartitionPressure}, which pauses the consumer as it fills.
 */
final class Staging {
    record Staged(Message<byte[]> message, Event event) {
    }

    /** Guarded by {@code this}. */
    private final Map<TopicPartition, ArrayDeque<Staged>> queues = new HashMap<>();
    /** Partitions with staged records, in the order they get their next turn. */
    private final ArrayDeque<TopicPartition> ring = new ArrayDeque<>();
    private int size;

    synchronized int add(Staged staged) {
        TopicPartition tp = new TopicPartition(staged.event().topic(), staged.event().partition());
        ArrayDeque<Staged> queue = queues.get(tp);
        if (queue == null) {
            queue = new ArrayDeque<>();
            queues.put(tp, queue);
            ring.addLast(tp);
        }
        queue.addLast(staged);
        return ++size;
    }

    /** The oldest record of the next partition (round robin) that {@code skip} does not hold back; null if none. */
    synchronized Staged next(Predicate<TopicPartition> skip) {
        for (int i = 0, n = ring.size(); i < n; i++) {
            TopicPartition tp = ring.pollFirst();
            if (skip.test(tp)) {
                ring.addLast(tp);
                continue;
            }
            ArrayDeque<Staged> queue = queues.get(tp);
            Staged next = queue.pollFirst();
            size--;
            if (queue.isEmpty()) {
                queues.remove(tp);
            } else {
                ring.addLast(tp);
            }
            return next;
        }
        return null;
    }

    synchronized int size() {
        return size;
    }

    synchronized boolean isEmpty() {
        return size == 0;
    }

    /** Drops everything staged (unacked: the partitions' next owner reads it again). */
    synchronized void clear() {
        queues.clear();
        ring.clear();
        size = 0;
    }
}
