package dev.sluice.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.testing.Kafka;
import dev.sluice.testing.SluiceProcess;
import dev.sluice.testing.TestEnvironment;
import dev.sluice.testing.TestSink;

/**
 * A hot key (half of all events, produced as a backlog before Sluice starts) on a 50 ms sink, key
 * ordering, 16 in flight: the hot key holds one delivery slot, its waiting records park (giving
 * their in-flight permits back) and its partition is paused once 64 of them wait, so the other
 * keys (on the other partitions) still run 15-16 at a time and are all delivered while the hot
 * key has only begun. Without parking they finished only after the hot key had done ~175 of 400.
 * The packaged app runs as a real process.
 *
 * <p>And a retry does not hold the line: an event in its backoff takes no delivery slot and delays
 * only its own lane.
 */
class LaneIsolationIT {
    private static final int PARTITIONS = 4;
    private static final int HOT_EVENTS = 400;
    private static final int COLD_EVENTS = 400;
    private static final int LIMIT = 16;
    private static TestEnvironment env;

    @BeforeAll
    static void start() {
        env = TestEnvironment.start(Map.of());
        env.sink().on("/hot", (id, attempt) -> TestSink.Reply.ok(50))
                .on("/retry", (id, attempt) -> id.startsWith("stubborn|0") && attempt <= 3
                        ? TestSink.Reply.status(503)
                        : TestSink.Reply.ok(10));
        try (Kafka kafka = new Kafka(env.bootstrap())) {
            kafka.createTopic("hot.orders", PARTITIONS);
            kafka.createTopic("retry.orders", PARTITIONS);
        }
    }

    @AfterAll
    static void stop() {
        env.close();
    }

    private static int partitionOf(String key) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % PARTITIONS;
    }

    @Test
    void aHotKeyDoesNotStarveTheOtherKeys() {
        String hot = "hot-key";
        List<String> coldKeys = new ArrayList<>();
        for (int i = 0; coldKeys.size() < 100; i++) {
            if (partitionOf("cold-" + i) != partitionOf(hot)) {
                coldKeys.add("cold-" + i);
            }
        }
        List<Map.Entry<String, String>> records = new ArrayList<>();
        for (int i = 0; i < HOT_EVENTS + COLD_EVENTS; i++) {
            String key = i % 2 == 0 ? hot : coldKeys.get((i / 2) % coldKeys.size());
            records.add(Map.entry(key, key + "|" + i));
        }
        try (Kafka kafka = new Kafka(env.bootstrap())) {
            kafka.sendKeyed("hot.orders", records);
        }
        Map<String, String> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", env.bootstrap());
        env.route(config, "orders", "hot.orders", "/hot", LIMIT);
        TestSink.PathStats stats = env.sink().stats("/hot");
        List<String> cold = records.stream().map(Map.Entry::getValue).filter(v -> v.startsWith("cold")).toList();
        try (SluiceProcess app = SluiceProcess.start("hot-key", config, List.of("-Xmx256m"))) {
            app.awaitReady(Duration.ofSeconds(60));
            await().atMost(Duration.ofSeconds(60)).until(() -> env.sink().missing("/hot", cold).isEmpty());
            long hotDone = stats.accepted().stream().filter(id -> id.startsWith(hot)).count();
            int coldConcurrency = maxOverlap(stats.arrivals().stream().filter(a -> a.id().startsWith("cold")).toList());
            System.out.printf("aHotKeyDoesNotStarveTheOtherKeys: all %d cold events delivered while the hot key had %d of %d; "
                    + "cold keys ran up to %d at once (route limit %d)%n", COLD_EVENTS, hotDone, HOT_EVENTS, coldConcurrency, LIMIT);
            assertTrue(coldConcurrency >= LIMIT - 1, "the other keys use every slot but (at most) the hot lane's one: " + coldConcurrency);
            assertTrue(hotDone < HOT_EVENTS / 4, "the other keys finished while the hot key had done only " + hotDone);
            int hotOverlap = maxOverlap(stats.arrivals().stream().filter(a -> a.id().startsWith(hot)).toList());
            assertEquals(1, hotOverlap, "the hot key never has two deliveries at once");
            app.terminate(Duration.ofSeconds(30));
        }
    }

    /**
     * The first event of key "stubborn" fails three times (backoff 1 s, 2 s, 4 s); 2000 events of
     * 20 other keys follow it, and two more of "stubborn". Counted in the window of the stubborn
     * event's retries: every other event is delivered in it, at the route's full concurrency
     * (the waiting event holds no slot); the later stubborn events wait for the first (its lane
     * keeps its order).
     */
    @Test
    void aRetryingKeyDoesNotSlowTheOthers() {
        List<Map.Entry<String, String>> records = new ArrayList<>();
        records.add(Map.entry("stubborn", "stubborn|0"));
        for (int i = 0; i < 2000; i++) {
            String key = "other-" + (i % 20);
            records.add(Map.entry(key, key + "|" + i));
        }
        records.add(Map.entry("stubborn", "stubborn|1"));
        records.add(Map.entry("stubborn", "stubborn|2"));
        try (Kafka kafka = new Kafka(env.bootstrap())) {
            kafka.sendKeyed("retry.orders", records);
        }
        Map<String, String> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", env.bootstrap());
        env.route(config, "orders", "retry.orders", "/retry", 8);
        config.put("sluice.routes.orders.retry.initial-backoff", "1s");
        config.put("sluice.routes.orders.retry.jitter", "0");
        TestSink.PathStats stats = env.sink().stats("/retry");
        List<String> ids = records.stream().map(Map.Entry::getValue).toList();
        try (SluiceProcess app = SluiceProcess.start("retry-isolation", config, List.of("-Xmx256m"))) {
            app.awaitReady(Duration.ofSeconds(60));
            // the stubborn event's backoff shows in the metrics while it waits
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> app.getBody("/q/metrics").contains("sluice_retries_waiting{route=\"orders\"} 1.0"));
            await().atMost(Duration.ofSeconds(60)).until(() -> env.sink().missing("/retry", ids).isEmpty());
            app.terminate(Duration.ofSeconds(30));
        }
        Map<String, TestSink.Arrival> byId = new HashMap<>();
        stats.arrivals().forEach(a -> byId.put(a.id(), a));
        long stubbornDone = byId.get("stubborn|0").nanoTime();
        List<TestSink.Arrival> others = stats.arrivals().stream().filter(a -> a.id().startsWith("other")).toList();
        long othersInWindow = others.stream().filter(a -> a.answeredNanoTime() < stubbornDone).count();
        int otherConcurrency = maxOverlap(others);
        System.out.printf("aRetryingKeyDoesNotSlowTheOthers: while the stubborn event retried (3 x 503, 7 s of backoff), "
                + "%d of %d other events were delivered, up to %d at once (route limit 8)%n", othersInWindow, others.size(),
                otherConcurrency);
        assertEquals(2000, othersInWindow, "every other key was delivered while the stubborn one waited for its retries");
        assertEquals(8, otherConcurrency, "the waiting event held no delivery slot");
        assertEquals(4, stats.attempts("stubborn|0"));
        assertTrue(byId.get("stubborn|1").nanoTime() >= byId.get("stubborn|0").answeredNanoTime()
                && byId.get("stubborn|2").nanoTime() >= byId.get("stubborn|1").answeredNanoTime(),
                "the stubborn key's later events waited for its first, in order");
    }

    /**
     * Partition ordering over a backlog of 4 partitions, each longer than everything Sluice may
     * hold (256 in flight + 256 parked): the consumer hands over long runs of one partition, yet
     * all four partitions' lanes deliver side by side (about partitions / L, not 1 / L): a partition
     * with too many records waiting behind its lane is paused, and its records already received
     * wait in staging while the other partitions' records start (round robin). Before, the first
     * partition's records took all 512 places and one partition delivered at a time (1.4 to 2.0
     * at the sink on average, one partition absent from the first 800).
     */
    @Test
    void partitionModeKeepsEveryPartitionDelivering() {
        int perPartition = 600;
        List<Map.Entry<String, String>> records = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        for (int i = 0; keys.size() < PARTITIONS; i++) {
            String key = "p-" + i;
            if (keys.stream().noneMatch(k -> partitionOf(k) == partitionOf(key))) {
                keys.add(key);
            }
        }
        for (String key : keys) {
            for (int i = 0; i < perPartition; i++) {
                records.add(Map.entry(key, partitionOf(key) + "|" + i));
            }
        }
        try (Kafka kafka = new Kafka(env.bootstrap())) {
            kafka.createTopic("partition.orders", PARTITIONS);
            kafka.sendKeyed("partition.orders", records);
        }
        // 40 ms: a lane's turnaround (a few ms between one answer and the next request, more while the
        // JIT warms up on a slow day) weighs less against it; at 20 ms a slow machine read 2.75-2.91
        // on the commit that had passed at 3+ before, while the bug this guards gave 1.4 to 2.0
        env.sink().on("/partition", (id, attempt) -> TestSink.Reply.ok(40));
        Map<String, String> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", env.bootstrap());
        env.route(config, "orders", "partition.orders", "/partition", 64);
        config.put("sluice.routes.orders.ordering", "partition");
        TestSink.PathStats stats = env.sink().stats("/partition");
        int watched = 800;
        try (SluiceProcess app = SluiceProcess.start("partition-mode", config, List.of("-Xmx256m"))) {
            app.awaitReady(Duration.ofSeconds(60));
            await().atMost(Duration.ofSeconds(120)).until(() -> stats.acceptedCount() >= watched);
            app.terminate(Duration.ofSeconds(30));
        }
        List<TestSink.Arrival> first = stats.arrivals().stream().sorted(Comparator.comparingLong(TestSink.Arrival::nanoTime))
                .limit(watched).toList();
        int[] perLane = new int[PARTITIONS];
        first.forEach(a -> perLane[Integer.parseInt(a.id().substring(0, a.id().indexOf('|')))]++);
        double busy = first.stream().mapToLong(a -> a.answeredNanoTime() - a.nanoTime()).sum()
                / (double) (first.get(first.size() - 1).answeredNanoTime() - first.get(0).nanoTime());
        System.out.printf("partitionModeKeepsEveryPartitionDelivering: of the first %d deliveries, per partition %s; "
                + "on average %.2f at the sink at once (4 partitions, route limit 64)%n", watched,
                java.util.Arrays.toString(perLane), busy);
        assertEquals(PARTITIONS, maxOverlap(first), "one delivery per partition at a time, all partitions at once");
        for (int n : perLane) {
            assertTrue(n >= watched / PARTITIONS / 2, "every partition delivered among the first " + watched + ": "
                    + java.util.Arrays.toString(perLane));
        }
        assertTrue(busy >= 3.0, "the partitions' lanes deliver side by side, on average " + busy);
    }

    /** Largest number of these requests that were at the sink at the same time. */
    static int maxOverlap(List<TestSink.Arrival> arrivals) {
        List<long[]> events = new ArrayList<>();
        for (TestSink.Arrival a : arrivals) {
            events.add(new long[] { a.nanoTime(), 1 });
            events.add(new long[] { a.answeredNanoTime(), -1 });
        }
        events.sort(Comparator.<long[]> comparingLong(e -> e[0]).thenComparingLong(e -> e[1]));
        int now = 0;
        int max = 0;
        for (long[] e : events) {
            now += (int) e[1];
            max = Math.max(max, now);
        }
        return max;
    }
}
