package dev.sluice.pipeline;

/**
 * Whether this replica still owns a record's partition. A record remembers how often its partition
 * had been revoked when it was taken ({@link Event#epoch()}); if it has been revoked since, the
 * record belongs to another owner now, which reads it again from the committed offset, so a record
 * not yet started is let go instead of being delivered twice. Kept by the intake (its rebalance
 * listener counts revocations), asked by the stages below it.
 */
public interface Ownership {
    /** True if the event's partition was revoked after the event was taken. */
    boolean revokedSince(Event event);

    /** How often the partition has been revoked from this replica so far: the epoch of an event made now. */
    default int epoch(String topic, int partition) {
        return 0;
    }

    /** Whether this replica holds the partition now. */
    default boolean owns(String topic, int partition) {
        return true;
    }
}
