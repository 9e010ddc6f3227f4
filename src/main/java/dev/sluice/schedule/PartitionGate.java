package dev.sluice.schedule;

import org.apache.kafka.common.TopicPartition;

/**
 * What admission and the dispatcher tell the partitions' pacing, and ask of it. Implemented by
 * the intake's partition pressure, which pauses the consumer inside each poll: told of every
 * record that starts and stops waiting (behind its ordering lane or for a route permit) and of
 * every received record that starts, it holds back a partition with too many waiting (its
 * received records stay in staging, not fetched further), so the waiting ones stay bounded and
 * cannot take the global budget from other partitions. Calls come from any thread and must not
 * block.
 */
public interface PartitionGate {
    /** A record of this partition started waiting behind its lane or for a route permit. */
    void waiting(String topic, int partition);

    /** A record of this partition stopped waiting (its delivery started, or it was dropped). */
    void doneWaiting(String topic, int partition);

    /** A received record of this partition started (or was let go): it no longer waits to start. */
    void started(String topic, int partition);

    /** True while the partition's records pile up behind their lanes: its staged records wait. */
    boolean heldBack(TopicPartition partition);

    /**
     * A route has its share of the waiting records ({@link RouteWaiting}): while {@code crowded},
     * the partitions of {@code topics} are held back as a partition with too many waiting is; a
     * later call for the same route replaces what it holds back.
     */
    void crowded(String route, java.util.Set<String> topics, boolean crowded);

    /** {@code action} runs whenever a partition is no longer held back (its staged records may start). */
    void onRelease(Runnable action);
}
