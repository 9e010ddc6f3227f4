package dev.sluice.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.sluice.testing.Kafka;
import dev.sluice.testing.OrderingTestResource;
import dev.sluice.testing.OrderingTestResource.Case;
import dev.sluice.testing.TestSink;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The ordering matrix: mode x partitions x keys x route concurrency, against a sink with random
 * latency that fails the first attempt of every 7th event. The sink records when each accepted
 * request arrived and was answered; per lane (key within partition, or partition) the accepted
 * requests must come in offset order and never overlap, retries included. Every event arrives,
 * exactly once.
 */
@QuarkusTest
@QuarkusTestResource(value = OrderingTestResource.class, restrictToAnnotatedClass = true)
class OrderingIT {
    private static final int EVENTS = 300;

    static List<Case> cases() {
        return OrderingTestResource.cases();
    }

    private record Sent(int partition, long offset, String key) {
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void eachLaneIsDeliveredInOffsetOrderAndEveryEventArrives(Case c) {
        List<Map.Entry<String, String>> records = new ArrayList<>();
        for (int seq = 0; seq < EVENTS; seq++) {
            String key = "key-" + (seq % c.keys());
            records.add(Map.entry(key, c.name() + "|" + key + "|" + seq));
        }
        Map<String, Sent> sent = new HashMap<>();
        try (Kafka kafka = new Kafka(OrderingTestResource.bootstrap())) {
            List<RecordMetadata> metadata = kafka.sendKeyed(c.topic(), records);
            for (int i = 0; i < records.size(); i++) {
                sent.put(records.get(i).getValue(), new Sent(metadata.get(i).partition(), metadata.get(i).offset(),
                        records.get(i).getKey()));
            }
        }
        TestSink sink = OrderingTestResource.sink();
        List<String> ids = records.stream().map(Map.Entry::getValue).toList();
        await().atMost(Duration.ofSeconds(60)).until(() -> sink.missing(c.path(), ids).isEmpty());
        TestSink.PathStats stats = sink.stats(c.path());
        assertEquals(EVENTS, stats.acceptedCount(), "every event accepted exactly once");

        Map<Object, List<TestSink.Arrival>> lanes = new HashMap<>();
        for (TestSink.Arrival a : stats.arrivals()) {
            Sent s = sent.get(a.id());
            Object lane = switch (c.mode()) {
                case "key" -> s.partition() + "/" + s.key();
                case "partition" -> s.partition();
                default -> a.id(); // none: every event is its own lane, no order to check
            };
            lanes.computeIfAbsent(lane, l -> new ArrayList<>()).add(a);
        }
        int outOfOrder = 0;
        for (List<TestSink.Arrival> lane : lanes.values()) {
            lane.sort(Comparator.comparingLong(TestSink.Arrival::nanoTime));
            for (int i = 1; i < lane.size(); i++) {
                TestSink.Arrival before = lane.get(i - 1);
                TestSink.Arrival after = lane.get(i);
                long offsetBefore = sent.get(before.id()).offset();
                long offsetAfter = sent.get(after.id()).offset();
                assertTrue(offsetBefore < offsetAfter, c + ": " + after.id() + " (offset " + offsetAfter + ") arrived after "
                        + before.id() + " (offset " + offsetBefore + ")");
                assertTrue(after.nanoTime() >= before.answeredNanoTime(), c + ": " + after.id() + " arrived while "
                        + before.id() + " of the same lane was still in flight");
            }
        }
        if (c.mode().equals("none")) {
            // not a guarantee, only shown: without lanes, events of a key may overtake each other
            Map<String, Long> lastOffset = new HashMap<>();
            for (TestSink.Arrival a : stats.arrivals().stream().sorted(Comparator.comparingLong(TestSink.Arrival::nanoTime)).toList()) {
                Sent s = sent.get(a.id());
                Long last = lastOffset.put(s.partition() + "/" + s.key(), s.offset());
                if (last != null && last > s.offset()) {
                    outOfOrder++;
                }
            }
        }
        int maxConcurrency = stats.maxConcurrency();
        assertTrue(maxConcurrency <= c.concurrency(), c + ": " + maxConcurrency + " at once, limit " + c.concurrency());
        if (c.mode().equals("partition")) {
            assertTrue(maxConcurrency <= c.partitions(), c + ": " + maxConcurrency + " at once over " + c.partitions() + " partitions");
        }
        if (c.mode().equals("key") && c.keys() > c.partitions() && c.concurrency() > c.partitions()) {
            assertTrue(maxConcurrency > c.partitions(), c + ": key order runs keys in parallel beyond the partition count, "
                    + "but at most " + maxConcurrency + " were in flight");
        }
        System.out.printf("ordering %s: %d events, %d lanes, max %d in flight, %d overtaken (none mode only)%n", c, EVENTS,
                c.mode().equals("none") ? 0 : lanes.size(), maxConcurrency, outOfOrder);
    }
}
