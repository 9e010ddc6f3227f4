package dev.sluice.schedule;

import dev.sluice.pipeline.PartitionShare;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * Which part of each source topic this replica is assigned, as the intake's rebalance listener
 * last saw it: partitions assigned here and partitions the topic has. A route's share of a
 * group-wide rate limit is its topics' assigned partitions over their partitions
 * ({@link PartitionShare}); as every replica takes its share of the partitions it holds, and a
 * partition is held by one replica at a time (revoked before it is assigned elsewhere), the shares
 * of the group never add up to more than the whole. Thread-safe: written on the consumer's polling
 * thread, read by the dispatcher, which is told of each change.
 */
@ApplicationScoped
public class GroupShares {
    /** What the rebalance listener saw: topic to partitions assigned here, topic to its partition count. */
    private record Seen(Map<String, Integer> assigned, Map<String, Integer> partitions) {
    }

    private volatile Seen seen = new Seen(Map.of(), Map.of());
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

    /**
     * A new assignment: {@code assigned} partitions per topic held here (topics with none may be
     * left out), {@code partitions} per topic (a topic left out keeps the count last known).
     */
    public void assignment(Map<String, Integer> assigned, Map<String, Integer> partitions) {
        Map<String, Integer> counts = new java.util.HashMap<>(seen.partitions());
        counts.putAll(partitions);
        seen = new Seen(Map.copyOf(assigned), Map.copyOf(counts));
        listeners.forEach(Runnable::run);
    }

    /** The share of the partitions of {@code topics} held here now. */
    public PartitionShare of(Collection<String> topics) {
        Seen s = seen;
        int assigned = 0;
        int total = 0;
        for (String t : topics) {
            int here = s.assigned().getOrDefault(t, 0);
            assigned += here;
            // a count never below what is held here, should the metadata lag the assignment
            total += Math.max(here, s.partitions().getOrDefault(t, 0));
        }
        return new PartitionShare(assigned, total);
    }

    /** Runs {@code listener} after every change (on the thread that reports it: keep it short). */
    void onChange(Runnable listener) {
        listeners.add(listener);
    }
}
