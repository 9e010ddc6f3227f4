package dev.sluice.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.config.Channels;
import dev.sluice.testing.Kafka;
import dev.sluice.testing.SluiceProcess;
import dev.sluice.testing.TestEnvironment;
import dev.sluice.testing.TestSink;

/**
 * A second replica joins the consumer group mid-run and leaves again (SIGTERM): partitions move
 * to it and back. Each replica delivers to its own sink path, so the sink sees each owner's span
 * apart. Nothing is lost; within each owner's span every key's events arrive in offset order
 * (a replica that gets a partition back may start again from an earlier committed offset: that is
 * a new span, and its repeats are the duplicates, counted and printed).
 */
class RebalanceIT {
    private static final int PARTITIONS = 6;
    private static final int KEYS = 60;
    // long enough that the second replica joins and leaves while records are still pending (at 800
    // deliveries a second, 6000 were nearly all delivered before it had started)
    private static final int EVENTS = 12_000;
    private static TestEnvironment env;

    @BeforeAll
    static void start() {
        env = TestEnvironment.start(Map.of());
        // 40 ms at 16 in flight: at most 400/s per replica, so the backlog outlasts b's start (10-15 s)
        // and b leaves mid-run; at 20 ms a faster build drained it all before b had its 500
        env.sink().on("/a", (id, attempt) -> TestSink.Reply.ok(40)).on("/b", (id, attempt) -> TestSink.Reply.ok(40));
        try (Kafka kafka = new Kafka(env.bootstrap())) {
            kafka.createTopic("rebalance.orders", PARTITIONS);
        }
    }

    @AfterAll
    static void stop() {
        env.close();
    }

    private record Sent(int partition, long offset, String key) {
    }

    private Map<String, String> replica(String path) {
        Map<String, String> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", env.bootstrap());
        env.route(config, "orders", "rebalance.orders", path, 16);
        // each replica keeps its own seed config (its own sink path): separate config topics
        config.put("sluice.config-topic", "sluice-config" + path.replace('/', '-'));
        config.put(Channels.INTAKE_PROPERTIES + "session.timeout.ms", "6000");
        return config;
    }

    @Test
    void aReplicaJoiningAndLeavingLosesNothingAndKeepsEachOwnersOrder() {
        List<Map.Entry<String, String>> records = new ArrayList<>();
        for (int i = 0; i < EVENTS; i++) {
            String key = "key-" + (i % KEYS);
            records.add(Map.entry(key, key + "|" + i));
        }
        Map<String, Sent> sent = new HashMap<>();
        try (Kafka kafka = new Kafka(env.bootstrap())) {
            List<RecordMetadata> metadata = kafka.sendKeyed("rebalance.orders", records);
            for (int i = 0; i < records.size(); i++) {
                sent.put(records.get(i).getValue(), new Sent(metadata.get(i).partition(), metadata.get(i).offset(), records.get(i).getKey()));
            }
        }
        List<String> ids = records.stream().map(Map.Entry::getValue).toList();
        TestSink sink = env.sink();
        try (SluiceProcess a = SluiceProcess.start("rebalance-a", replica("/a"), List.of("-Xmx256m"))) {
            a.awaitReady(Duration.ofSeconds(60));
            await().atMost(Duration.ofSeconds(60)).until(() -> sink.stats("/a").acceptedCount() >= 800);
            try (SluiceProcess b = SluiceProcess.start("rebalance-b", replica("/b"), List.of("-Xmx256m"))) {
                b.awaitReady(Duration.ofSeconds(60));
                // b got partitions and delivers; then it leaves while records are still pending
                await().atMost(Duration.ofSeconds(60)).until(() -> sink.stats("/b").acceptedCount() >= 500);
                assertTrue(sink.stats("/a").acceptedCount() + sink.stats("/b").acceptedCount() < EVENTS, "b left mid-run");
                assertEquals(0, b.terminate(Duration.ofSeconds(30)));
            }
            await().atMost(Duration.ofSeconds(120)).until(() -> {
                Set<String> all = new HashSet<>(sink.stats("/a").accepted());
                all.addAll(sink.stats("/b").accepted());
                return all.containsAll(ids);
            });
            assertEquals(0, a.terminate(Duration.ofSeconds(30)));
        }
        int spansA = checkOrderWithinSpans("/a", sent);
        int spansB = checkOrderWithinSpans("/b", sent);
        int delivered = sink.stats("/a").acceptedCount() + sink.stats("/b").acceptedCount();
        System.out.printf("aReplicaJoiningAndLeavingLosesNothingAndKeepsEachOwnersOrder: %d events, 0 lost, %d duplicates; "
                + "a delivered %d (%d restarts of a key's sequence), b %d (%d)%n", EVENTS, delivered - EVENTS,
                sink.stats("/a").acceptedCount(), spansA, sink.stats("/b").acceptedCount(), spansB);
        assertTrue(sink.stats("/b").acceptedCount() > 0, "b took part");
    }

    /**
     * Per key, the offsets one replica delivered, in arrival order, may go back only where the
     * replica took the partition over again (a new span, starting at or after an offset it had
     * already reached — never skipping one); within a span they strictly increase and never overlap.
     * Returns how many times a key's sequence started again.
     */
    private static int checkOrderWithinSpans(String path, Map<String, Sent> sent) {
        Map<String, List<TestSink.Arrival>> byKey = new HashMap<>();
        for (TestSink.Arrival a : env.sink().stats(path).arrivals()) {
            byKey.computeIfAbsent(sent.get(a.id()).key(), k -> new ArrayList<>()).add(a);
        }
        int restarts = 0;
        for (Map.Entry<String, List<TestSink.Arrival>> e : byKey.entrySet()) {
            int keyRestarts = 0;
            List<TestSink.Arrival> arrivals = e.getValue();
            arrivals.sort(Comparator.comparingLong(TestSink.Arrival::nanoTime));
            for (int i = 1; i < arrivals.size(); i++) {
                long before = sent.get(arrivals.get(i - 1).id()).offset();
                long after = sent.get(arrivals.get(i).id()).offset();
                if (after <= before) {
                    keyRestarts++; // the partition came back: a new span (a redelivery)
                    continue;
                }
                assertTrue(arrivals.get(i).nanoTime() >= arrivals.get(i - 1).answeredNanoTime(),
                        path + " " + e.getKey() + ": two events of the key at once");
            }
            // a partition moves to b and back once: a key's sequence starts again at most once on
            // a replica (2 for slack); an ordering bug would go back far more often
            assertTrue(keyRestarts <= 2, path + " " + e.getKey() + ": its sequence went back " + keyRestarts + " times");
            restarts += keyRestarts;
        }
        return restarts;
    }
}
