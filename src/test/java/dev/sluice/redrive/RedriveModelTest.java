package dev.sluice.redrive;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.sluice.pipeline.Event;

class RedriveModelTest {
    private static DeadLetter deadLetter(String key, String reason, String status, long timestamp) {
        RecordHeaders h = new RecordHeaders();
        h.add("dead-letter-route", "orders".getBytes(StandardCharsets.UTF_8));
        if (reason != null) {
            h.add("dead-letter-reason", reason.getBytes(StandardCharsets.UTF_8));
        }
        if (status != null) {
            h.add("dead-letter-http-status", status.getBytes(StandardCharsets.UTF_8));
        }
        h.add("dead-letter-topic", "orders".getBytes(StandardCharsets.UTF_8));
        h.add("dead-letter-partition", "3".getBytes(StandardCharsets.UTF_8));
        h.add("dead-letter-offset", "40211".getBytes(StandardCharsets.UTF_8));
        h.add("ce_type", "order.created".getBytes(StandardCharsets.UTF_8));
        return new DeadLetter(1, 812, timestamp, key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                "v".getBytes(StandardCharsets.UTF_8), h);
    }

    @Test
    void aDeadLetterIsSentAgainAsTheRecordItWasWithoutTheDeadLetterHeaders() {
        Event e = deadLetter("k7", "HTTP 400 Bad Request", "400", 1000).event(2);
        assertEquals("orders-3-40211", e.coordinates(), "the original coordinates: the same Idempotency-Key");
        assertEquals(2, e.epoch());
        assertEquals("order.created", e.header("ce_type"));
        assertNull(e.header("dead-letter-reason"));
        assertNull(e.header("dead-letter-route"));
    }

    @Test
    void aDeadLetterThatDoesNotSayWhereItCameFromIsNotRedrivable() {
        RecordHeaders h = new RecordHeaders();
        h.add("dead-letter-offset", "not-a-number".getBytes(StandardCharsets.UTF_8));
        DeadLetter d = new DeadLetter(0, 1, 0, null, null, h);
        assertEquals(-1, d.sourceOffset());
        assertEquals(0, d.httpStatus());
        assertTrue(d.unredrivable().contains("do not say where it came from"));
        assertNull(deadLetter("k", "x", "500", 0).unredrivable());
    }

    @Test
    void filtersNarrowByRouteReasonStatusKeyAndTime() {
        DeadLetter d = deadLetter("k7", "timeout after 10000 ms", null, 5_000);
        assertTrue(DeadLetterFilter.route("orders").matches(d));
        assertFalse(DeadLetterFilter.route("audit").matches(d), "another route's dead letter in a shared topic");
        assertTrue(new DeadLetterFilter("orders", "TIMEOUT", null, null, null, null).matches(d));
        assertFalse(new DeadLetterFilter("orders", "HTTP 5", null, null, null, null).matches(d));
        assertFalse(new DeadLetterFilter("orders", null, 500, null, null, null).matches(d), "no answer is no status");
        assertTrue(new DeadLetterFilter("orders", null, null, "k7", null, null).matches(d));
        assertFalse(new DeadLetterFilter("orders", null, null, "k8", null, null).matches(d));
        assertTrue(new DeadLetterFilter("orders", null, null, null, 5_000L, 5_001L).matches(d));
        assertFalse(new DeadLetterFilter("orders", null, null, null, null, 5_000L).matches(d), "to is exclusive");
    }

    @Test
    void aCursorComesBackAsItWentAndAnythingElseIsRefused() {
        var c = new DeadLetterBrowser.Cursor(true, Map.of(0, 15L, 3, 20L));
        var back = DeadLetterBrowser.Cursor.parse(c.encode(), true);
        assertEquals(c.positions(), back.positions());
        assertThrows(IllegalArgumentException.class, () -> DeadLetterBrowser.Cursor.parse(c.encode(), false),
                "a newest-first cursor for an oldest-first page");
        for (String bad : List.of("!!", "bnwwPWFiYw", "bnwtMT0y", "x".repeat(300_000))) {
            assertThrows(IllegalArgumentException.class, () -> DeadLetterBrowser.Cursor.parse(bad, true), bad);
        }
        assertNull(DeadLetterBrowser.Cursor.parse(null, true));
    }

    @Test
    void aRedriveSurvivesItsJsonWithProgressAndPendingRecords() throws Exception {
        ObjectMapper json = new ObjectMapper();
        RedriveState s = new RedriveState("id1", "orders", "orders.dlt", RedriveState.RUNNING, "pod-a", 2, 99, 1, 2,
                new DeadLetterFilter("orders", "timeout", 504, "k1", 10L, 20L), List.<long[]> of(new long[] {1, 812}),
                Map.of(0, new long[] {0, 500}, 1, new long[] {812, 813}), Map.of(0, 40L), Map.of(0, 100L),
                Map.of(0, List.of(40L, 77L)), 55, 3, 0, 1, null);
        RedriveState back = json.readValue(json.writeValueAsString(s), RedriveState.class);
        assertArrayEquals(new long[] {0, 500}, back.ranges().get(0));
        assertEquals(List.of(40L, 77L), back.pending().get(0));
        assertEquals(100L, back.readTo().get(0));
        assertEquals(s.filter(), back.filter());
        assertArrayEquals(new long[] {1, 812}, back.selected().get(0));
        assertEquals(501, back.total());
        assertEquals(40, back.read(), "partition 0 done to 40, partition 1 not started");
        RedriveState claimed = back.claimedBy("pod-b", 1234);
        assertEquals(3, claimed.lease());
        assertEquals("pod-b", claimed.owner());
    }
}
