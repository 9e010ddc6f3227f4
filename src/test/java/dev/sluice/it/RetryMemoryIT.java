package dev.sluice.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.testing.Kafka;
import dev.sluice.testing.SluiceProcess;
import dev.sluice.testing.TestEnvironment;
import dev.sluice.testing.TestSink;

/**
 * A target that is down for long, on the packaged app with a small heap, a real broker and a real
 * HTTP server: every request is answered 503 and each record is retried up to 100 times. The app's
 * memory must not grow with the attempts made: when the next attempt was chained inside the last,
 * each record kept every request it had made reachable until its last attempt, and a run like this
 * one ran out of a 256 MB heap within a minute (then up to {@code sluice.max-in-flight} records
 * retried at once; a record in backoff now parks and counts against
 * {@code max-waiting-per-partition}, so fewer do, for longer).
 */
class RetryMemoryIT {
    private static final int RECORDS = 3_000;
    private static TestEnvironment env;
    private static SluiceProcess app;

    @BeforeAll
    static void start() {
        env = TestEnvironment.start(Map.of());
        env.sink().on("/down", (id, attempt) -> TestSink.Reply.status(503));
        Map<String, String> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", env.bootstrap());
        config.put("sluice.max-in-flight", "1024");
        try (Kafka kafka = new Kafka(env.bootstrap())) {
            kafka.createTopic("retry.down", 2);
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < RECORDS; i++) {
                ids.add("r-" + i);
            }
            kafka.sendAll("retry.down", ids);
        }
        env.route(config, "down", "retry.down", "/down", 16);
        config.put("sluice.routes.down.ordering", "none");
        config.put("sluice.routes.down.retry.max-attempts", "100");
        config.put("sluice.routes.down.retry.initial-backoff", "20ms");
        config.put("sluice.routes.down.retry.max-backoff", "200ms");
        app = SluiceProcess.start("retry-memory", config, List.of("-Xmx128m")).awaitReady(Duration.ofSeconds(90));
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
        }
        env.close();
    }

    @Test
    void recordsRetriedForLongHoldNoMoreMemoryWithEveryAttempt() {
        TestSink.PathStats down = env.sink().stats("/down");
        await().atMost(Duration.ofSeconds(90)).until(() -> down.requests() >= 5_000);
        long heapBefore = app.liveHeapMiB();
        int requestsBefore = down.requests();
        await().atMost(Duration.ofSeconds(120)).until(() -> down.requests() >= requestsBefore + 30_000);
        long heapAfter = app.liveHeapMiB();
        int requestsAfter = down.requests();
        long retrying = java.util.stream.IntStream.range(0, RECORDS).filter(i -> down.attempts("r-" + i) > 1).count();
        System.out.printf("recordsRetriedForLongHoldNoMoreMemoryWithEveryAttempt: %d records retried, "
                + "requests %d -> %d, live heap %d -> %d MiB (-Xmx128m)%n", retrying, requestsBefore, requestsAfter,
                heapBefore, heapAfter);

        // two partitions held back at 64 waiting each: at least a hundred records in backoff at once, each
        // through many attempts
        assertTrue(retrying >= 100, retrying + " records retried");
        // what is live at one instant moves by some MiB (buffers, requests under way: 30 -> 48 and 30 -> 26 MiB
        // in two runs); kept attempts cost about 8 KiB each, 240 MiB over these 30,000 requests
        assertTrue(heapAfter <= heapBefore + 32, "live heap " + heapBefore + " -> " + heapAfter + " MiB over "
                + (requestsAfter - requestsBefore) + " more requests");
        assertEquals(200, app.get("/q/health/live"));
        assertEquals(0, down.acceptedCount(), "nothing was delivered to a target that answers 503");
    }
}
