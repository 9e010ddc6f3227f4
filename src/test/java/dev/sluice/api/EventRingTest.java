package dev.sluice.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class EventRingTest {

    private static List<Long> ids(EventRing.Batch b) {
        return b.entries().stream().map(EventRing.Entry::id).toList();
    }

    private static void publish(EventRing ring, int n) {
        for (int i = 0; i < n; i++) {
            ring.publish("status", "{\"n\":" + i + "}");
        }
    }

    @Test
    void idsGrowFromOneAndACursorReadsInOrderWithoutMissing() {
        EventRing ring = new EventRing(8);
        long cursor = ring.nextId();
        publish(ring, 5);
        EventRing.Batch b = ring.read(cursor, 100);
        assertEquals(0, b.missed());
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L), ids(b));
        assertEquals(6, b.next());
        assertTrue(ring.read(b.next(), 100).entries().isEmpty(), "nothing new yet");
    }

    @Test
    void readsAtMostMaxAndContinuesWhereItStopped() {
        EventRing ring = new EventRing(8);
        publish(ring, 6);
        EventRing.Batch first = ring.read(1, 4);
        assertEquals(List.of(1L, 2L, 3L, 4L), ids(first));
        assertEquals(List.of(5L, 6L), ids(ring.read(first.next(), 4)));
    }

    @Test
    void aSubscriberThatFellBehindSkipsToTheOldestAndIsToldExactlyHowManyItMissed() {
        EventRing ring = new EventRing(4);
        publish(ring, 11);
        EventRing.Batch b = ring.read(1, 100);
        // ids 1..11 published, 8..11 retained: 1..7 missed
        assertEquals(7, b.missed());
        assertEquals(List.of(8L, 9L, 10L, 11L), ids(b));
        assertEquals(12, b.next());
        assertEquals(0, ring.read(b.next(), 100).missed(), "once caught up it misses nothing");
    }

    @Test
    void resumeByIdInsideTheRingGivesTheNextEventAndOutsideItTheLagged() {
        EventRing ring = new EventRing(4);
        publish(ring, 6);
        // 3..6 retained: last seen 4 resumes at 5 with nothing missed
        EventRing.Batch inside = ring.read(ring.resumeAfter(4), 100);
        assertEquals(0, inside.missed());
        assertEquals(List.of(5L, 6L), ids(inside));
        // last seen 1: 2 was evicted, 3..6 follow
        EventRing.Batch outside = ring.read(ring.resumeAfter(1), 100);
        assertEquals(1, outside.missed());
        assertEquals(List.of(3L, 4L, 5L, 6L), ids(outside));
        // last seen 2: 3 is the oldest retained, nothing missed
        assertEquals(0, ring.read(ring.resumeAfter(2), 100).missed());
    }

    @Test
    void anIdTheRingNeverGaveResumesWithWhatComesNext() {
        EventRing ring = new EventRing(4);
        publish(ring, 3);
        assertEquals(4, ring.resumeAfter(99), "an id from another process's stream");
        assertEquals(4, ring.resumeAfter(-1));
        assertEquals(4, ring.resumeAfter(3));
    }

    @Test
    void manySubscribersAtDifferentCursorsEachSeeTheirOwnView() {
        EventRing ring = new EventRing(16);
        List<Long> cursors = new ArrayList<>();
        List<List<Long>> seen = new ArrayList<>();
        for (int s = 0; s < 100; s++) {
            cursors.add(ring.nextId());
            seen.add(new ArrayList<>());
            ring.publish("status", "{}");
        }
        // subscriber s joined before event s+1: the fast ones read everything still retained
        for (int s = 0; s < 100; s++) {
            EventRing.Batch b = ring.read(cursors.get(s), 1000);
            seen.get(s).addAll(ids(b));
            long expectedMissed = Math.max(0, 85 - cursors.get(s));
            assertEquals(expectedMissed, b.missed(), "subscriber " + s);
            assertEquals(101, b.next());
        }
        assertEquals(List.of(100L), seen.get(99));
        assertEquals(16, seen.get(0).size());
    }

    @Test
    void memoryIsTheRingsWhateverIsPublished() {
        EventRing ring = new EventRing(8);
        publish(ring, 100_000);
        assertEquals(8, ring.size());
        assertEquals(8, ring.capacity());
        assertEquals(100_001 - 8, ring.oldestId());
        EventRing.Batch b = ring.read(1, Integer.MAX_VALUE);
        assertEquals(8, b.entries().size(), "a read returns at most what the ring holds");
        assertEquals(100_000 - 8, b.missed());
    }

    @Test
    void aRingNeedsRoom() {
        assertThrows(IllegalArgumentException.class, () -> new EventRing(0));
    }
}
