package dev.sluice.intake;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.common.TopicPartition;

/**
 * The counts and rules that decide which partitions the intake consumer should have paused (the
 * rules are drawn in {@link PartitionPressure}); no Kafka client here, so each rule is a plain
 * call to test. Thread-safe: every method holds {@code this}. A method that changes what should be
 * paused says so in its answer, and the caller brings the consumer to {@link #wanted} then.
 */
final class PauseRules {
    /** What a record that stopped waiting changed. */
    enum Change {
        NONE,
        /** What should be paused changed. */
        PAUSES,
        /** ... and the partition is no longer held back: its staged records may start. */
        RELEASED
    }

    /** {@code max-waiting-per-partition}: waiting records at which a partition is held back. */
    private final int threshold;
    /** Received-and-not-started plus waiting records of one partition at which it is paused. */
    private final int fullAt;
    /** Received-and-not-started records of partitions not held back at which the whole assignment is. */
    private final int high;
    /** Records waiting behind lanes or for a route permit, per partition. */
    private final Map<TopicPartition, int[]> waiting = new HashMap<>();
    /** Records received and not yet started (connector queue or staging), per partition. */
    private final Map<TopicPartition, int[]> queued = new HashMap<>();
    /** Partitions held back for their waiting records. */
    private final Set<TopicPartition> heldBack = new HashSet<>();
    /** Partitions paused for their records received and waiting. */
    private final Set<TopicPartition> full = new HashSet<>();
    /** Topics whose every route is paused: their partitions are not fetched and their staged records wait. */
    private Set<String> pausedTopics = Set.of();
    /** Routes that have their share of the waiting records, and the topics each holds back. */
    private final Map<String, Set<String>> crowdedRoutes = new HashMap<>();
    /** The topics of the crowded routes: held back as the paused topics are. */
    private Set<String> crowdedTopics = Set.of();
    /** The whole assignment held. */
    private boolean holdAll;
    private boolean stopping;

    PauseRules(int maxWaitingPerPartition, int maxWaiting, int maxPollRecords) {
        this.threshold = maxWaitingPerPartition;
        this.high = Math.max(2 * maxPollRecords, maxWaiting);
        // at least two polls' worth: one poll of a single partition must not pause it every time
        this.fullAt = Math.max(threshold, 2 * maxPollRecords);
    }

    private static int count(Map<TopicPartition, int[]> counts, TopicPartition tp) {
        int[] n = counts.get(tp);
        return n == null ? 0 : n[0];
    }

    private static int add(Map<TopicPartition, int[]> counts, TopicPartition tp, int delta) {
        int[] n = counts.computeIfAbsent(tp, k -> new int[1]);
        n[0] = Math.max(0, n[0] + delta);
        if (n[0] == 0) {
            counts.remove(tp);
        }
        return n[0];
    }

    /** A record of {@code tp} started waiting; true if the partition is held back from now. */
    synchronized boolean waiting(TopicPartition tp) {
        if (add(waiting, tp, 1) < threshold || !heldBack.add(tp)) {
            return false;
        }
        // its records received no longer count as ready to start: the others may be fetched
        releaseIfRoom();
        return true;
    }

    /** A record of {@code tp} stopped waiting (its delivery started, or it was dropped). */
    synchronized Change doneWaiting(TopicPartition tp) {
        int n = add(waiting, tp, -1);
        boolean released = n <= threshold / 2 && heldBack.remove(tp);
        boolean changed = released | unfull(tp);
        return released ? Change.RELEASED : changed ? Change.PAUSES : Change.NONE;
    }

    /** A received record of {@code tp} started (or was let go); true if what should be paused changed. */
    synchronized boolean started(TopicPartition tp) {
        if (count(queued, tp) == 0) {
            return false; // counted before a revocation reset it
        }
        add(queued, tp, -1);
        return unfull(tp) | releaseIfRoom();
    }

    /** What a poll returned, per partition; true if some partition should be paused now. */
    synchronized boolean polled(Map<TopicPartition, Integer> received) {
        received.forEach((tp, n) -> {
            add(queued, tp, n);
            if (count(queued, tp) + count(waiting, tp) >= fullAt) {
                full.add(tp);
            }
        });
        if (!holdAll && eligible() >= high) {
            holdAll = true;
        }
        return holdAll || !heldBack.isEmpty() || !full.isEmpty();
    }

    /** Revoked partitions: the connector dropped their queued records; true if what should be paused changed. */
    synchronized boolean revoked(Collection<TopicPartition> partitions) {
        for (TopicPartition tp : partitions) {
            queued.remove(tp);
            full.remove(tp);
        }
        return releaseIfRoom();
    }

    /**
     * The topics whose routes are all paused now; true if a topic is no longer paused (its
     * partitions resume and their staged records may start).
     */
    synchronized boolean pauseTopics(Set<String> topics) {
        boolean released = !topics.containsAll(pausedTopics);
        pausedTopics = Set.copyOf(topics);
        releaseIfRoom();
        return released;
    }

    /**
     * A route has its share of the waiting records ({@code crowded}) or no longer: its topics are
     * held back, or not; true if a topic is no longer held back (its staged records may start).
     */
    synchronized boolean crowded(String route, Set<String> topics, boolean crowded) {
        Set<String> before = crowdedTopics;
        if (crowded) {
            crowdedRoutes.put(route, Set.copyOf(topics));
        } else {
            crowdedRoutes.remove(route);
        }
        Set<String> now = new HashSet<>();
        crowdedRoutes.values().forEach(now::addAll);
        crowdedTopics = Set.copyOf(now);
        releaseIfRoom();
        return !now.containsAll(before);
    }

    synchronized Set<String> crowdedTopics() {
        return crowdedTopics;
    }

    /** Its topic's routes are all paused, or one of them has its share of the waiting records. */
    private boolean topicHeld(TopicPartition tp) {
        return pausedTopics.contains(tp.topic()) || crowdedTopics.contains(tp.topic());
    }

    /** Stopping: the whole assignment stays paused from now on. */
    synchronized void stop() {
        stopping = true;
        holdAll = true;
    }

    synchronized boolean stopping() {
        return stopping;
    }

    /** The partitions of {@code assignment} that should be paused now. */
    synchronized Set<TopicPartition> wanted(Collection<TopicPartition> assignment) {
        Set<TopicPartition> pause = new HashSet<>();
        for (TopicPartition tp : assignment) {
            if (holdAll || heldBack.contains(tp) || full.contains(tp) || topicHeld(tp)) {
                pause.add(tp);
            }
        }
        return pause;
    }

    /** Whether the partition's staged records wait: held back for its lanes, its topic's routes paused, or one crowded. */
    synchronized boolean heldBack(TopicPartition tp) {
        return heldBack.contains(tp) || topicHeld(tp);
    }

    synchronized int heldBackCount() {
        return heldBack.size();
    }

    /** The partition leaves {@link #full} at half; true if it did. */
    private boolean unfull(TopicPartition tp) {
        return count(queued, tp) + count(waiting, tp) <= fullAt / 2 && full.remove(tp);
    }

    /** Ends the hold of the whole assignment once there is room (at half); true if it did. */
    private boolean releaseIfRoom() {
        if (holdAll && !stopping && eligible() <= high / 2) {
            holdAll = false;
            return true;
        }
        return false;
    }

    /** Records received and not started of partitions not held back (nor of a paused topic). */
    private int eligible() {
        int n = 0;
        for (Map.Entry<TopicPartition, int[]> e : queued.entrySet()) {
            // a paused topic's records wait for its routes' resume: they must not hold the other topics
            if (!heldBack.contains(e.getKey()) && !topicHeld(e.getKey())) {
                n += e.getValue()[0];
            }
        }
        return n;
    }
}
