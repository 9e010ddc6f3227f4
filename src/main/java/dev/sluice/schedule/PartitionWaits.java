package dev.sluice.schedule;

/**
 * Told of every record that starts and stops waiting, behind its ordering lane or for a route
 * permit, by partition: the intake holds back a partition with too many waiting (its received
 * records stay in staging, not fetched further), so the waiting ones stay bounded and cannot take
 * the global budget from other partitions. Implemented by the intake's partition pressure; calls
 * come from any thread and must not block.
 */
public interface PartitionWaits {
    void waiting(String topic, int partition);

    void doneWaiting(String topic, int partition);
}
