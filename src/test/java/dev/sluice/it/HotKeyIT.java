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
 */
class HotKeyIT {
    private static final int PARTITIONS = 4;
    private static final int HOT_EVENTS = 400;
    private static final int COLD_EVENTS = 400;
    private static final int LIMIT = 16;
    private static TestEnvironment env;

    @BeforeAll
    static void start() {
        env = TestEnvironment.start(Map.of());
        env.sink().on("/hot", (id, attempt) -> TestSink.Reply.ok(50));
        try (Kafka kafka = new Kafka(env.bootstrap())) {
            kafka.createTopic("hot.orders", PARTITIONS);
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
