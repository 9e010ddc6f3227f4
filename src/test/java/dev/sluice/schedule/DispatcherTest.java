package dev.sluice.schedule;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.sluice.config.Expects;
import dev.sluice.config.Ordering;
import dev.sluice.config.RetryPolicy;
import dev.sluice.config.Route;
import dev.sluice.config.SluiceConfig;
import dev.sluice.deliver.TestDelivery;
import dev.sluice.deliver.TestTarget;
import dev.sluice.outcome.AttemptOutcome;
import dev.sluice.outcome.DeadLetterWriter;
import dev.sluice.pipeline.Event;
import io.smallrye.mutiny.helpers.test.UniAssertSubscriber;

/**
 * One record from admission to its outcome: matched to its routes, delivered to each behind its
 * ordering lane, then acked, left unacked or nacked. The delivery is the real one (TestDelivery),
 * to a target that answers only when the test says; the partitions' pacing is a counter.
 */
class DispatcherTest {
    private static final Duration BOUND = Duration.ofSeconds(5);
    /** No parking slots: each of the 4 routes may keep (0 + 64) / 4 = 16 records waiting. */
    private static final int MAX_WAITING = 0;
    private static final AttemptOutcome OK = AttemptOutcome.ofStatus(200, "OK", null);
    private static final AttemptOutcome BAD_REQUEST = AttemptOutcome.ofStatus(400, "Bad Request", null);

    /** Two routes read "orders"; "keyed" is delivered per key, "unordered" in any order. */
    private static final SluiceConfig CONFIG = new SluiceConfig(64, List.of(
            route("audit", "orders", Ordering.KEY),
            route("billing", "orders", Ordering.KEY),
            route("keyed", "keyed", Ordering.KEY),
            route("unordered", "unordered", Ordering.NONE)));

    /** A record's message, counting its acks and nacks. */
    private static final class Record {
        final Event event;
        final AtomicInteger acks = new AtomicInteger();
        final AtomicInteger nacks = new AtomicInteger();
        final Message<byte[]> message;
        UniAssertSubscriber<Void> outcome;

        Record(String topic, long offset, String key) {
            this.event = new Event(topic, 0, offset, 0, key == null ? null : key.getBytes(UTF_8), ("v" + offset).getBytes(UTF_8),
                    new RecordHeaders());
            this.message = Message.of(event.value(), () -> {
                acks.incrementAndGet();
                return CompletableFuture.completedFuture(null);
            }, t -> {
                nacks.incrementAndGet();
                return CompletableFuture.completedFuture(null);
            });
        }
    }

    /** The partitions' pacing: how many records wait, behind a lane or for a route permit. */
    private static final class WaitCount implements PartitionGate {
        final AtomicInteger waiting = new AtomicInteger();

        @Override
        public void waiting(String topic, int partition) {
            waiting.incrementAndGet();
        }

        @Override
        public void doneWaiting(String topic, int partition) {
            waiting.decrementAndGet();
        }

        @Override
        public void started(String topic, int partition) {
        }

        /** Each route's topics held back for its waiting records, as the gate was last told. */
        final Map<String, Set<String>> crowded = new java.util.concurrent.ConcurrentHashMap<>();

        @Override
        public boolean heldBack(TopicPartition partition) {
            return false;
        }

        @Override
        public void crowded(String route, Set<String> topics, boolean on) {
            if (on) {
                crowded.put(route, topics);
            } else {
                crowded.remove(route);
            }
        }

        @Override
        public void onRelease(Runnable action) {
        }
    }

    private final TestTarget target = TestTarget.onCommand();
    private final TestDelivery delivery = new TestDelivery(target, CONFIG, Map.of());
    private final WaitCount gate = new WaitCount();
    private final Dispatcher dispatcher = new Dispatcher(delivery.config(), delivery.delivery(), gate, new GroupShares(), delivery.vertx(),
            dev.sluice.config.TestConfig.settings(Map.of("sluice.max-waiting", String.valueOf(MAX_WAITING))), PausedRecords.NONE);

    @AfterEach
    void close() {
        delivery.close();
    }

    private static Route route(String name, String topic, Ordering ordering) {
        return new Route(name, List.of(topic), URI.create("http://localhost:1/" + name), 8, Duration.ofSeconds(1),
                new RetryPolicy(3, Duration.ofMillis(5), Duration.ofMillis(20), 0), name + ".dlq", Expects.ANY,
                Route.DEFAULT_MAX_VALUE_BYTES, ordering);
    }

    private Record dispatch(String topic, long offset, String key) {
        Record r = new Record(topic, offset, key);
        r.outcome = dispatcher.dispatch(r.message, r.event, Lanes.Parking.NONE).subscribe()
                .withSubscriber(UniAssertSubscriber.create());
        return r;
    }

    @Test
    void aRecordOfTwoRoutesIsAckedOnceOnlyAfterBothDelivered() {
        Record r = dispatch("orders", 0, "k");
        assertEquals(List.of("audit", "billing"), target.open().stream().map(s -> s.route().name()).toList(),
                "delivered to both routes at once");

        target.answer("audit", 0, OK);
        r.outcome.assertNotTerminated();
        assertEquals(0, r.acks.get(), "billing has not delivered it yet");

        target.answer("billing", 0, OK);
        r.outcome.awaitItem(BOUND);
        assertEquals(1, r.acks.get());
        assertEquals(0, r.nacks.get());
    }

    @Test
    void aRecordNoRouteTakesIsNeitherAckedNorNacked() {
        Record r = dispatch("refunds", 3, "k");

        r.outcome.awaitItem(BOUND);
        assertEquals(0, r.acks.get(), "acked, it would be committed though nobody delivered it");
        assertEquals(0, r.nacks.get(), "nacked, it would fail the channel");
        assertEquals(List.of(), target.sends());
    }

    @Test
    void aRecordOneRouteDeadLettersAndTheOtherDeliversIsAcked() {
        Record r = dispatch("orders", 5, "k");

        target.answer("audit", 5, BAD_REQUEST);
        target.answer("billing", 5, OK);

        r.outcome.awaitItem(BOUND);
        assertEquals(1, r.acks.get(), "done with for both routes");
        assertEquals(1, delivery.deadLetters().sent().size());
        assertEquals("audit", delivery.deadLetters().header(0, DeadLetterWriter.ROUTE));
        assertEquals("audit.dlq", delivery.deadLetters().metadata(0).getTopic());
    }

    @Test
    void sameKeyIsDeliveredOneAtATimeInOffsetOrderWhateverOrderTheTargetAnswersIn() {
        List<Record> records = List.of(dispatch("keyed", 0, "a"), dispatch("keyed", 1, "b"), dispatch("keyed", 2, "a"),
                dispatch("keyed", 3, "a"));
        assertEquals(List.of(0L, 1L), TestTarget.offsets(target.open()), "one record per key on the wire");
        assertEquals(2, gate.waiting.get(), "the later records of key a wait behind their lane, counted on the partition");

        target.answer(1, OK); // key b's answer comes first: key a's next record still waits
        assertEquals(List.of(0L), TestTarget.offsets(target.open()));
        target.answer(0, OK);
        assertEquals(List.of(2L), TestTarget.offsets(target.open()));
        target.answer(2, OK);
        assertEquals(List.of(3L), TestTarget.offsets(target.open()));
        target.answer(3, OK);

        assertEquals(List.of(0L, 1L, 2L, 3L), TestTarget.offsets(target.sends()));
        for (Record r : records) {
            r.outcome.awaitItem(BOUND);
            assertEquals(1, r.acks.get(), "offset " + r.event.offset());
        }
        assertEquals(0, gate.waiting.get());
    }

    @Test
    void withOrderingNoneRecordsOfOneKeyOverlap() {
        List<Record> records = List.of(dispatch("unordered", 0, "a"), dispatch("unordered", 1, "a"),
                dispatch("unordered", 2, "a"));
        assertEquals(List.of(0L, 1L, 2L), TestTarget.offsets(target.open()), "all on the wire at once");
        assertEquals(0, gate.waiting.get(), "nothing waits behind a lane");

        target.answer(2, OK);
        records.get(2).outcome.awaitItem(BOUND);
        assertEquals(1, records.get(2).acks.get(), "acked before the earlier ones are answered");
        assertEquals(0, records.get(0).acks.get());
        target.answer(1, OK);
        target.answer(0, OK);

        for (Record r : records) {
            r.outcome.awaitItem(BOUND);
            assertEquals(1, r.acks.get(), "offset " + r.event.offset());
        }
    }

    @Test
    void aRouteWithItsShareOfWaitingRecordsHoldsBackItsTopicsUntilHalfHaveGone() {
        List<Record> records = new java.util.ArrayList<>();
        for (int i = 0; i < 17; i++) {
            records.add(dispatch("keyed", i, "a"));
        }
        assertEquals(16, gate.waiting.get(), "one on the wire, 16 behind it");
        assertEquals(Map.of("keyed", Set.of("keyed")), gate.crowded, "at its share (16) its topic is held back");
        records.add(dispatch("unordered", 100, "a"));
        assertEquals(Map.of("keyed", Set.of("keyed")), gate.crowded, "another route is not");
        for (int i = 0; i < 7; i++) {
            target.answer(i, OK);
        }
        assertEquals(9, gate.waiting.get());
        assertEquals(Map.of("keyed", Set.of("keyed")), gate.crowded, "still above half");
        target.answer(7, OK);
        assertEquals(Map.of(), gate.crowded, "released at half (8 waiting)");
        for (int i = 8; i < 17; i++) {
            target.answer(i, OK);
        }
        target.answer(100, OK);
        for (Record r : records) {
            r.outcome.awaitItem(BOUND);
            assertEquals(1, r.acks.get(), "offset " + r.event.offset());
        }
    }
}
