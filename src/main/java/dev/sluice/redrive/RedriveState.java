package dev.sluice.redrive;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * One redrive as kept in the redrive topic (key {@code op/<id>}, JSON), the same on every replica:
 * what it takes, who runs it, how far it got and what came of it. A record written with a lower
 * {@code lease} than one already seen is stale (its writer lost the redrive to a replica that took
 * it over) and is ignored.
 *
 * @param ranges per dead-letter partition, the offsets [from, to) it reads, fixed when it starts, so
 *        the dead letters it writes again (at the end of the topic) are not taken a second time
 * @param done per partition, the offset below which every record it took has its outcome: where a
 *        runner that takes it over starts again
 * @param readTo per partition, how far its runner had read: of the offsets from {@code done} to it, only
 *        those in {@code pending} (at most the window) still wait for their outcome, so a runner that
 *        takes it over sends those again and skips the rest
 * @param heartbeatMs when its runner last reported; 0: let go (a drain), to be taken over at once
 */
public record RedriveState(String id, String route, String deadLetterTopic, String status, String owner, long lease,
        long heartbeatMs, long createdMs, long updatedMs, DeadLetterFilter filter, List<long[]> selected,
        Map<Integer, long[]> ranges, Map<Integer, Long> done, Map<Integer, Long> readTo, Map<Integer, List<Long>> pending,
        long delivered, long deadLettered, long skipped, long notRedrivable, String error) {

    public static final String RUNNING = "running";
    public static final String DONE = "done";
    public static final String CANCELLED = "cancelled";
    public static final String FAILED = "failed";
    static final Set<String> FINISHED = Set.of(DONE, CANCELLED, FAILED);

    public RedriveState {
        ranges = ranges == null ? Map.of() : new TreeMap<>(ranges);
        done = done == null ? Map.of() : new TreeMap<>(done);
        readTo = readTo == null ? Map.of() : new TreeMap<>(readTo);
        pending = pending == null ? Map.of() : new TreeMap<>(pending);
        selected = selected == null ? null : List.copyOf(selected);
    }

    public boolean finished() {
        return FINISHED.contains(status);
    }

    /** Dead letters in its ranges (of every route sharing the topic, and those its filter leaves out). */
    public long total() {
        return ranges.values().stream().mapToLong(r -> r[1] - r[0]).sum();
    }

    /** Of {@link #total()}, those with their outcome (read past and done). */
    public long read() {
        long n = 0;
        for (Map.Entry<Integer, long[]> r : ranges.entrySet()) {
            long at = done.getOrDefault(r.getKey(), r.getValue()[0]);
            n += Math.max(0, Math.min(at, r.getValue()[1]) - r.getValue()[0]);
        }
        return n;
    }

    RedriveState claimedBy(String newOwner, long nowMs) {
        return new RedriveState(id, route, deadLetterTopic, status, newOwner, lease + 1, nowMs, createdMs, nowMs, filter,
                selected, ranges, done, readTo, pending, delivered, deadLettered, skipped, notRedrivable, error);
    }

    RedriveState progress(Map<Integer, Long> at, Map<Integer, Long> readNow, Map<Integer, List<Long>> pendingNow,
            long deliveredNow, long deadLetteredNow, long skippedNow,
            long notRedrivableNow, long heartbeat, long nowMs) {
        return new RedriveState(id, route, deadLetterTopic, status, owner, lease, heartbeat, createdMs, nowMs, filter,
                selected, ranges, at, readNow, pendingNow, deliveredNow, deadLetteredNow, skippedNow, notRedrivableNow, error);
    }

    RedriveState finish(String finalStatus, String why, long nowMs) {
        return new RedriveState(id, route, deadLetterTopic, finalStatus, owner, lease, nowMs, createdMs, nowMs, filter,
                selected, ranges, done, readTo, pending, delivered, deadLettered, skipped, notRedrivable, why);
    }
}
