package dev.sluice.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.Test;

import dev.sluice.pipeline.Event;
import dev.sluice.pipeline.Progress;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;

/**
 * Global admission alone: records offered are started under the global in-flight limit, round
 * robin over partitions not held back, and a parked record gives its permit to the next one. The
 * dispatcher is a stand-in that keeps each started record until the test finishes it.
 */
class AdmissionTest {
    /** A started record and what finishes it. */
    private record Started(Event event, Lanes.Parking parking, UniEmitter<? super Void> done) {
    }

    private final List<Started> started = new ArrayList<>();
    private final Gate gate = new Gate();
    private final Set<Long> revoked = new HashSet<>();

    /** The partitions' pacing as admission sees it: which are held back, which records started. */
    private static final class Gate implements PartitionGate {
        final Set<TopicPartition> heldBack = new HashSet<>();
        final List<String> startedFrom = new ArrayList<>();
        Runnable onRelease = () -> { };

        @Override
        public void waiting(String topic, int partition) {
        }

        @Override
        public void doneWaiting(String topic, int partition) {
        }

        @Override
        public void started(String topic, int partition) {
            startedFrom.add(topic + "-" + partition);
        }

        @Override
        public boolean heldBack(TopicPartition partition) {
            return heldBack.contains(partition);
        }

        @Override
        public void crowded(String route, Set<String> topics, boolean crowded) {
        }

        @Override
        public void onRelease(Runnable action) {
            onRelease = action;
        }

        void release(TopicPartition tp) {
            heldBack.remove(tp);
            onRelease.run();
        }
    }

    private Admission admission(int maxInFlight, int maxParked) {
        Dispatch dispatch = (message, event, parking) -> Uni.createFrom().emitter(em -> started.add(new Started(event, parking, em)));
        return new Admission(dispatch, gate, event -> revoked.contains(event.offset()), new Progress(), maxInFlight, maxParked);
    }

    private static Event event(int partition, long offset) {
        return new Event("t", partition, offset, 0, null, new byte[0], new RecordHeaders());
    }

    private static void offer(Admission admission, int partition, long offset) {
        admission.offer(Message.of(new byte[0]), event(partition, offset));
    }

    private List<String> startedIds() {
        return started.stream().map(s -> s.event().partition() + ":" + s.event().offset()).toList();
    }

    @Test
    void recordsStartUnderTheGlobalLimitAndTheNextStartsWhenOneFinishes() {
        Admission admission = admission(2, 0);
        for (long o = 0; o < 5; o++) {
            offer(admission, 0, o);
        }
        assertEquals(List.of("0:0", "0:1"), startedIds(), "two permits: two records started, in offset order");
        assertEquals(3, admission.staged());
        assertEquals(2, admission.inFlight());
        started.get(0).done().complete(null);
        assertEquals(List.of("0:0", "0:1", "0:2"), startedIds(), "a finished record's permit starts the next");
        assertEquals(2, admission.inFlight());
        assertEquals(2, admission.mostInFlight());
    }

    @Test
    void partitionsTakeTurnsSoOneLongRunCannotTakeTheBudget() {
        Admission admission = admission(1, 0);
        offer(admission, 0, 0); // starts at once
        for (long o = 1; o < 4; o++) {
            offer(admission, 0, o);
        }
        offer(admission, 1, 0);
        offer(admission, 1, 1);
        for (int i = 0; i < 5; i++) {
            started.get(i).done().complete(null);
        }
        assertEquals(List.of("0:0", "0:1", "1:0", "0:2", "1:1", "0:3"), startedIds());
    }

    @Test
    void aHeldBackPartitionsRecordsWaitInStagingUntilItIsReleased() {
        Admission admission = admission(4, 0);
        TopicPartition p0 = new TopicPartition("t", 0);
        gate.heldBack.add(p0);
        offer(admission, 0, 0);
        offer(admission, 1, 0);
        assertEquals(List.of("1:0"), startedIds(), "permits are free, but partition 0 is held back");
        assertEquals(1, admission.staged());
        gate.release(p0);
        assertEquals(List.of("1:0", "0:0"), startedIds());
        assertEquals(List.of("t-1", "t-0"), gate.startedFrom, "the pacing hears of each record that starts");
    }

    @Test
    void aParkedRecordGivesItsPermitToTheNextAndParkingIsBounded() {
        Admission admission = admission(1, 1);
        offer(admission, 0, 0);
        offer(admission, 0, 1);
        offer(admission, 0, 2);
        assertTrue(started.get(0).parking().park(), "a parking slot is free");
        assertEquals(List.of("0:0", "0:1"), startedIds(), "its permit went to the next record");
        assertEquals(1, admission.parked());
        assertEquals(2, admission.inFlight(), "parked records count as in flight");
        assertFalse(started.get(1).parking().park(), "parking is full: the record keeps its permit");
        assertFalse(started.get(0).parking().park(), "parked already");
        started.get(0).done().complete(null);
        assertEquals(0, admission.parked(), "its slot went back");
        assertEquals(List.of("0:0", "0:1"), startedIds(), "no permit freed: the third still waits");
        started.get(1).done().complete(null);
        assertEquals(List.of("0:0", "0:1", "0:2"), startedIds());
    }

    @Test
    void stoppingLetsStagedRecordsGoAndRecordsArrivingLaterAreNotStarted() throws InterruptedException {
        Admission admission = admission(1, 0);
        offer(admission, 0, 0);
        offer(admission, 0, 1);
        admission.stop();
        offer(admission, 0, 2);
        assertEquals(0, admission.staged());
        started.get(0).done().complete(null);
        assertEquals(List.of("0:0"), startedIds(), "the started record finished; nothing else started");
        assertEquals(List.of("t-0", "t-0"), gate.startedFrom, "the late record is counted as started (let go), the staged one was cleared");
        assertEquals(0, admission.awaitIdle(Duration.ofMillis(10)));
    }

    @Test
    void aRecordWhosePartitionWasRevokedSinceItsPollIsNotStarted() {
        Admission admission = admission(1, 0);
        revoked.add(1L);
        offer(admission, 0, 0);
        offer(admission, 0, 1);
        offer(admission, 0, 2);
        started.get(0).done().complete(null);
        assertEquals(List.of("0:0", "0:2"), startedIds(), "offset 1 is the next owner's: left unacked");
    }

    @Test
    void aLargerGlobalLimitStartsStagedRecordsAtOnceAndASmallerOneWaitsForRecordsToFinish() {
        Admission admission = admission(1, 0);
        for (long o = 0; o < 4; o++) {
            offer(admission, 0, o);
        }
        admission.apply(2, 3);
        assertEquals(3, startedIds().size());
        assertEquals(2, admission.appliedVersion());
        admission.apply(3, 1);
        started.get(0).done().complete(null);
        started.get(1).done().complete(null);
        assertEquals(3, startedIds().size(), "one still in flight at the new limit of 1: nothing starts");
        started.get(2).done().complete(null);
        assertEquals(4, startedIds().size());
        assertEquals(1, admission.maxInFlight());
    }
}
