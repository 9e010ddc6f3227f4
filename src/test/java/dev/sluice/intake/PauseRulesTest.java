package dev.sluice.intake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The pause rules alone, no consumer: which partitions the intake should have paused, and when that changes. */
class PauseRulesTest {
    private static final TopicPartition P0 = new TopicPartition("t", 0);
    private static final TopicPartition P1 = new TopicPartition("t", 1);
    private static final List<TopicPartition> BOTH = List.of(P0, P1);

    @Test
    void aPartitionWithTooManyWaitingRecordsIsHeldBackUntilHalfHaveGone() {
        // T = 8 waiting per partition; polls of 2 (full at max(8, 4) = 8); whole assignment at 1,000
        PauseRules rules = new PauseRules(8, 1000, 2);
        for (int i = 0; i < 7; i++) {
            assertFalse(rules.waiting(P0));
        }
        assertTrue(rules.waiting(P0), "the 8th waiting record holds its partition back");
        assertTrue(rules.heldBack(P0));
        assertEquals(Set.of(P0), rules.wanted(BOTH), "only that partition is paused; the other is fetched");
        assertEquals(1, rules.heldBackCount());
        for (int i = 0; i < 3; i++) {
            assertEquals(PauseRules.Change.NONE, rules.doneWaiting(P0));
        }
        assertEquals(PauseRules.Change.RELEASED, rules.doneWaiting(P0), "released at T/2 = 4 waiting");
        assertEquals(Set.of(), rules.wanted(BOTH));
    }

    @Test
    void aBurstOfOnePartitionIsPausedAtTwoPollsWorthAndResumedAtHalf() {
        PauseRules rules = new PauseRules(4, 1000, 5); // full at max(4, 10) = 10
        assertFalse(rules.polled(Map.of(P0, 9)));
        assertTrue(rules.polled(Map.of(P0, 1)), "10 received and not started");
        assertEquals(Set.of(P0), rules.wanted(BOTH));
        for (int i = 0; i < 4; i++) {
            assertFalse(rules.started(P0));
        }
        assertTrue(rules.started(P0), "resumed at 5");
        assertEquals(Set.of(), rules.wanted(BOTH));
    }

    @Test
    void theWholeAssignmentIsHeldWhenReceivedRecordsReachTheHighMarkButHeldBackOnesDoNotCount() {
        TopicPartition p2 = new TopicPartition("t", 2);
        TopicPartition p3 = new TopicPartition("t", 3);
        List<TopicPartition> all = List.of(P0, P1, p2, p3);
        PauseRules rules = new PauseRules(2, 40, 10); // whole assignment at max(20, 40) = 40; one partition full at 20
        rules.waiting(P0);
        rules.waiting(P0); // P0 held back
        assertTrue(rules.polled(Map.of(P0, 19, P1, 14, p2, 14)));
        assertEquals(Set.of(P0), rules.wanted(all), "28 received of partitions not held back; P0's 19 do not count");
        assertTrue(rules.polled(Map.of(p3, 12)));
        assertEquals(Set.of(P0, P1, p2, p3), rules.wanted(all), "40 received: the whole assignment is held");
        for (int i = 0; i < 14; i++) {
            assertFalse(rules.started(P1));
        }
        for (int i = 0; i < 5; i++) {
            assertFalse(rules.started(p2));
        }
        assertEquals(Set.of(P0, P1, p2, p3), rules.wanted(all), "21 left: above half of 40");
        assertTrue(rules.started(p2), "20 left: the hold ends at half");
        assertEquals(Set.of(P0), rules.wanted(all), "P0 is still held back for its waiting records");
    }

    @Test
    void stoppingHoldsEverythingAndNothingReleasesIt() {
        PauseRules rules = new PauseRules(4, 10, 1);
        rules.polled(Map.of(P0, 1));
        rules.stop();
        assertTrue(rules.stopping());
        assertEquals(Set.of(P0, P1), rules.wanted(BOTH));
        assertFalse(rules.started(P0), "room again, but stopping: still held");
        assertFalse(rules.revoked(List.of(P0)));
        assertEquals(Set.of(P0, P1), rules.wanted(BOTH));
    }

    @Test
    void revokedPartitionsNoLongerCountAndALateStartIsIgnored() {
        PauseRules rules = new PauseRules(4, 10, 5); // whole at 10, full at 10
        assertTrue(rules.polled(Map.of(P0, 6, P1, 4)));
        assertEquals(Set.of(P0, P1), rules.wanted(BOTH), "10 received: the whole assignment is held");
        assertTrue(rules.revoked(List.of(P0)), "P0's 6 are dropped by the connector: 4 left, under half");
        assertEquals(Set.of(), rules.wanted(BOTH));
        assertFalse(rules.started(P0), "a record of P0 counted before the revocation");
        assertFalse(rules.polled(Map.of(P0, 1)), "P0 counts from zero again");
    }

    @Test
    void aPausedTopicIsNotFetchedItsStagedRecordsWaitAndTheyDoNotHoldTheOtherTopics() {
        TopicPartition other = new TopicPartition("u", 0);
        List<TopicPartition> all = List.of(P0, P1, other);
        PauseRules rules = new PauseRules(100, 20, 10); // whole assignment at max(20, 20) = 20; one partition full at 100
        assertFalse(rules.pauseTopics(Set.of("t")), "pausing releases nothing");
        assertEquals(Set.of(P0, P1), rules.wanted(all), "both partitions of t are paused, u is fetched");
        assertTrue(rules.heldBack(P0), "t's staged records wait");
        assertFalse(rules.heldBack(other));
        assertEquals(0, rules.heldBackCount(), "not held back for lanes: the lanes' count is unchanged");
        // what t had received before the pause applied must not hold u: 30 of t staged, 19 of u
        rules.polled(Map.of(P0, 15, P1, 15));
        assertFalse(rules.polled(Map.of(other, 19)), "u's 19 alone are below the high mark");
        assertEquals(Set.of(P0, P1), rules.wanted(all), "u is still fetched");
        assertTrue(rules.pauseTopics(Set.of()), "resume: t is released");
        assertFalse(rules.heldBack(P0), "its staged records may start");
        assertTrue(rules.polled(Map.of(other, 1)), "now 50 received count: the whole assignment is held");
        assertEquals(Set.of(P0, P1, other), rules.wanted(all));
    }

    @Test
    void aCrowdedRoutesTopicsAreHeldBackUntilItIsNoLongerCrowded() {
        TopicPartition other = new TopicPartition("u", 0);
        List<TopicPartition> all = List.of(P0, P1, other);
        PauseRules rules = new PauseRules(100, 1000, 10);
        assertFalse(rules.crowded("slow", Set.of("t"), true), "crowding releases nothing");
        assertEquals(Set.of(P0, P1), rules.wanted(all), "the crowded route's topic is not fetched; u is");
        assertTrue(rules.heldBack(P1), "its staged records wait");
        assertFalse(rules.crowded("audit", Set.of("t"), true));
        assertFalse(rules.crowded("slow", Set.of("t"), false), "t is still held for audit");
        assertTrue(rules.heldBack(P0));
        assertTrue(rules.crowded("audit", Set.of("t"), false), "released when no route of it is crowded");
        assertEquals(Set.of(), rules.wanted(all));
        assertFalse(rules.heldBack(P0));
    }
}
