package dev.sluice.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.Test;

import dev.sluice.pipeline.Event;

class StagingTest {
    private static Staging.Staged record(int partition, long offset) {
        Event event = new Event("t", partition, offset, 0L, null, new byte[0], new RecordHeaders(), 0);
        return new Staging.Staged(Message.of(new byte[0]), event);
    }

    private static String take(Staging staging, Set<Integer> heldBack) {
        Staging.Staged next = staging.next(tp -> heldBack.contains(tp.partition()));
        return next == null ? null : next.event().partition() + "@" + next.event().offset();
    }

    @Test
    void takesPartitionsInTurnAndEachInOffsetOrder() {
        Staging staging = new Staging();
        // a long run of partition 0 first, as a fetch hands it over, then the others
        for (int i = 0; i < 3; i++) {
            staging.add(record(0, i));
        }
        staging.add(record(1, 0));
        staging.add(record(2, 0));
        staging.add(record(1, 1));
        List<String> order = new ArrayList<>();
        String next;
        while ((next = take(staging, Set.of())) != null) {
            order.add(next);
        }
        assertEquals(List.of("0@0", "1@0", "2@0", "0@1", "1@1", "0@2"), order);
        assertTrue(staging.isEmpty());
    }

    @Test
    void aHeldBackPartitionWaitsWithItsOrderKeptWhileTheOthersGo() {
        Staging staging = new Staging();
        staging.add(record(0, 0));
        staging.add(record(0, 1));
        staging.add(record(1, 0));
        assertEquals("1@0", take(staging, Set.of(0)));
        assertNull(take(staging, Set.of(0)), "only the held-back partition is left");
        assertEquals(2, staging.size());
        assertEquals("0@0", take(staging, Set.of()));
        assertEquals("0@1", take(staging, Set.of()));
    }

    @Test
    void clearDropsEverything() {
        Staging staging = new Staging();
        staging.add(record(0, 0));
        staging.add(record(3, 0));
        staging.clear();
        assertEquals(0, staging.size());
        assertNull(take(staging, Set.of()));
    }
}
