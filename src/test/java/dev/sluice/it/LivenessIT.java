package dev.sluice.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.testing.Kafka;
import dev.sluice.testing.SluiceProcess;
import dev.sluice.testing.TestEnvironment;
import dev.sluice.testing.TestSink;

/**
 * Liveness means "restart me", so it must fail only when restarting could help: records in
 * flight and nothing moving for {@code sluice.health.stuck-after}. A long queue is not that. The
 * packaged app runs as a real process against a real broker and sink.
 */
class LivenessIT {
    private static TestEnvironment env;

    @BeforeAll
    static void start() {
        env = TestEnvironment.start(Map.of());
        env.sink().on("/paced", (id, attempt) -> TestSink.Reply.ok());
        try (Kafka kafka = new Kafka(env.bootstrap())) {
            kafka.createTopic("live.paced", 2);
        }
    }

    @AfterAll
    static void stop() {
        env.close();
    }

    @Test
    void aLongQueueAtTheRateLimitStaysLiveAndKeepsDelivering() {
        // before: the connector's "record unprocessed too long" check counted time spent waiting
        // for a rate token as stuck; with 2,000 records at 5/s it closed the consumer after
        // sluice.stuck-record-age-ms and liveness and readiness stayed 503 (a restart loop)
        Map<String, String> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", env.bootstrap());
        env.route(config, "paced", "live.paced", "/paced", 8);
        config.put("sluice.routes.paced.rate-limit.per-second", "20");
        config.put("sluice.routes.paced.rate-limit.burst", "1");
        config.put("sluice.routes.paced.timeout", "1s");
        config.put("sluice.routes.paced.retry.max-backoff", "1s");
        config.put("sluice.health.stuck-after", "3s");
        List<String> ids = IntStream.range(0, 500).mapToObj(i -> "paced-" + i).toList();
        try (Kafka kafka = new Kafka(env.bootstrap())) {
            kafka.sendAll("live.paced", ids);
        }
        TestSink.PathStats paced = env.sink().stats("/paced");
        try (SluiceProcess app = SluiceProcess.start("liveness-paced", config, List.of("-Xmx256m"))) {
            app.awaitReady(Duration.ofSeconds(90));
            await().atMost(Duration.ofSeconds(30)).until(() -> paced.acceptedCount() >= 20);
            int from = paced.acceptedCount();
            long start = System.nanoTime();
            // 15 s of a queue whose records wait far longer than stuck-after: live and ready throughout
            await().during(Duration.ofSeconds(15)).atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250))
                    .until(() -> app.get("/q/health/live") == 200 && app.get("/q/health/ready") == 200);
            double rate = (paced.acceptedCount() - from) / ((System.nanoTime() - start) / 1e9);
            assertTrue(rate > 15 && rate < 23, "delivered at the rate limit of 20/s: " + rate);
            assertTrue(paced.acceptedCount() < ids.size(), "the queue is still there");
            await().atMost(Duration.ofSeconds(60)).until(() -> env.sink().missing("/paced", ids).isEmpty());
            System.out.printf("aLongQueueAtTheRateLimitStaysLiveAndKeepsDelivering: %.1f deliveries/s at a limit of 20/s, "
                    + "live throughout with records queued for up to %d s (stuck-after 3 s)%n", rate, ids.size() / 20);
            assertEquals(0, app.terminate(Duration.ofSeconds(30)));
        }
    }

    @Test
    void aRouteThatWouldLookStuckWhileHealthyIsRefusedAtStartup() {
        Map<String, String> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", env.bootstrap());
        env.route(config, "slow", "live.paced", "/paced", 4);
        config.put("sluice.routes.slow.timeout", "60s");
        config.put("sluice.health.stuck-after", "30s");
        try (SluiceProcess app = SluiceProcess.start("liveness-refused", config, List.of("-Xmx256m"))) {
            int exit = app.waitFor(Duration.ofSeconds(60));
            assertNotEquals(0, exit);
            assertTrue(app.logText().contains("sluice.routes.slow.timeout: must be below sluice.health.stuck-after"),
                    app.logText());
        }
    }
}
