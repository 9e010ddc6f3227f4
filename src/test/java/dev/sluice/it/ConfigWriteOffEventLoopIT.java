package dev.sluice.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.sluice.testing.Kafka;
import dev.sluice.testing.SluiceProcess;
import dev.sluice.testing.TestEnvironment;

/**
 * Issue 10 point 6: a PUT /admin/config whose write to the config topic has to wait for Kafka
 * metadata (the first PUT after start, with the broker gone: the producer waits up to max.block.ms,
 * 10 s) must not hold the event loop. The packaged app runs with a single event loop, so every
 * other HTTP request needs the very loop the PUT arrived on: they are answered at once while the
 * PUT waits, the event-loop monitor sees no blocked loop, and the PUT ends in a 503.
 */
class ConfigWriteOffEventLoopIT {
    private static final String TOKEN = "loop-token";
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aPutWaitingForKafkaMetadataLeavesTheEventLoopFreeAndEndsIn503() throws Exception {
        try (TestEnvironment env = TestEnvironment.start(Map.of())) {
            try (Kafka kafka = new Kafka(env.bootstrap())) {
                kafka.createTopic("loop.orders", 1);
            }
            Map<String, String> config = new HashMap<>();
            config.put("kafka.bootstrap.servers", env.bootstrap());
            config.put("sluice.admin.token", TOKEN);
            config.put("quarkus.vertx.event-loops-pool-size", "1");
            config.put("quarkus.http.io-threads", "1");
            env.route(config, "orders", "loop.orders", "/orders", 4);
            try (SluiceProcess app = SluiceProcess.start("config-write-loop", config, List.of("-Xmx256m"))) {
                app.awaitReady(Duration.ofSeconds(90));
                env.broker().stop();

                String change = "{\"routes\":[{\"name\":\"orders\",\"topics\":[\"loop.orders\"],\"target\":{\"url\":\""
                        + env.sink().url("/orders") + "\"},\"max-in-flight\":2}]}";
                long putAt = System.nanoTime();
                CompletableFuture<HttpResponse<String>> put = CompletableFuture.supplyAsync(
                        () -> app.put("/admin/config", change, TOKEN));

                // for 4 s of the PUT's wait, every request on the same (only) loop answers within 500 ms
                long[] slowest = {0};
                await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(200))
                        .until(() -> {
                            long t0 = System.nanoTime();
                            var r = app.request("GET", "/admin/config", java.util.Map.of("Authorization", "Bearer " + TOKEN), null);
                            int status = r == null ? -1 : r.statusCode();
                            long ms = (System.nanoTime() - t0) / 1_000_000;
                            slowest[0] = Math.max(slowest[0], ms);
                            return status == 200 && ms < 500 && !put.isDone();
                        });
                long blockedMs = JSON.readTree(app.getBody("/q/health/live")).get("checks").findValue("eventLoopBlockedMs").asLong();
                assertTrue(blockedMs < 1000, "event-loop monitor: blocked for " + blockedMs + " ms");

                HttpResponse<String> answer = put.get(30, java.util.concurrent.TimeUnit.SECONDS);
                long putMs = (System.nanoTime() - putAt) / 1_000_000;
                assertEquals(503, answer.statusCode(), answer.body());
                assertTrue(answer.body().contains("nothing changed"), answer.body());
                assertFalse(app.logText().contains("has been blocked for"), "Vert.x blocked-thread warning in " + app.log());
                System.out.printf("aPutWaitingForKafkaMetadataLeavesTheEventLoopFree: PUT answered %d after %d ms; "
                        + "slowest GET meanwhile %d ms; monitor saw %d ms blocked%n", answer.statusCode(), putMs, slowest[0],
                        blockedMs);
            }
        }
    }
}
