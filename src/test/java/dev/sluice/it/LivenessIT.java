package dev.sluice.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
 * Liveness means "restart me": it fails when the pipeline is stuck (work in flight and nothing
 * moved for sluice.health.stuck-after) and recovers on its own when the pipeline moves again.
 * The packaged app runs as a real process; the sink holds every request (the route's timeout is
 * longer than the stuck-after limit, as a sink that never answers would look to Sluice).
 */
class LivenessIT {
    private static TestEnvironment env;

    @BeforeAll
    static void start() {
        env = TestEnvironment.start(Map.of());
        env.sink().on("/held", (id, attempt) -> TestSink.Reply.held());
        try (Kafka kafka = new Kafka(env.bootstrap())) {
            kafka.createTopic("live.orders", 2);
        }
    }

    @AfterAll
    static void stop() {
        env.close();
    }

    @Test
    void aStuckPipelineFailsLivenessAndRecoversWhenItMoves() {
        Map<String, String> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", env.bootstrap());
        env.route(config, "orders", "live.orders", "/held", 4);
        config.put("sluice.routes.orders.timeout", "60s");
        config.put("sluice.health.stuck-after", "2s");
        List<String> ids = IntStream.range(0, 8).mapToObj(i -> "stuck-" + i).toList();
        TestSink.PathStats held = env.sink().stats("/held");
        try (SluiceProcess app = SluiceProcess.start("liveness", config, List.of("-Xmx256m"))) {
            app.awaitReady(Duration.ofSeconds(60));
            assertEquals(200, app.get("/q/health/live"), "live while idle, however long nothing happens");
            try (Kafka kafka = new Kafka(env.bootstrap())) {
                kafka.sendAll("live.orders", ids);
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> held.currentConcurrency() == 4);
            long stuckSince = System.nanoTime();
            await().atMost(Duration.ofSeconds(15)).until(() -> app.get("/q/health/live") == 503);
            long downMs = (System.nanoTime() - stuckSince) / 1_000_000;
            String body = app.getBody("/q/health/live");
            assertTrue(body.contains("no progress for"), body);
            assertEquals(200, app.get("/q/health/ready"), "stuck is a liveness matter: readiness stays as it was");

            env.sink().releaseHeld();
            await().atMost(Duration.ofSeconds(30)).until(() -> env.sink().missing("/held", ids).isEmpty());
            await().atMost(Duration.ofSeconds(10)).until(() -> app.get("/q/health/live") == 200);
            System.out.printf("aStuckPipelineFailsLivenessAndRecoversWhenItMoves: liveness DOWN %d ms after the pipeline "
                    + "filled (stuck-after 2 s), UP again once the sink answered%n", downMs);
            assertEquals(0, app.terminate(Duration.ofSeconds(30)));
        }
    }
}
