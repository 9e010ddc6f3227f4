package dev.sluice.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.sluice.testing.Kafka;
import dev.sluice.testing.SluiceProcess;
import dev.sluice.testing.TestEnvironment;
import dev.sluice.testing.TestSink;

/**
 * One route held back by its own limits must not starve the others, with the default budgets
 * (packaged app, real broker): route {@code slow} has a backlog on 12 partitions and a rate limit
 * of 10/s, so its records wait (for tokens) on every partition it reads; route {@code fast} reads
 * another topic and its target answers at once. Each partition is held back at
 * {@code max-waiting-per-partition} (64) waiting records, and 12 x 64 is more than the parking
 * slots ({@code max-waiting}, 256) and the global in-flight permits (256) together: the waiters
 * that found no parking slot kept their global permits, so {@code fast} got a permit only when one
 * of {@code slow}'s freed (10/s, shared with {@code slow}'s own partitions). Now a route may keep
 * at most its share of the parking slots waiting; past it, the partitions of its topics are held
 * back, and the other routes keep the global budget.
 */
class RouteIsolationIT {
    private static final int SLOW_PARTITIONS = 12;
    private static final int FAST_RECORDS = 2_000;
    private static TestEnvironment env;
    private static SluiceProcess app;

    @BeforeAll
    static void start() {
        env = TestEnvironment.start(Map.of());
        env.sink().on("/slow", (id, attempt) -> TestSink.Reply.ok()).on("/fast", (id, attempt) -> TestSink.Reply.ok());
        try (Kafka kafka = new Kafka(env.bootstrap())) {
            kafka.createTopic("iso.slow", SLOW_PARTITIONS);
            kafka.createTopic("iso.fast", 1);
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 6_000; i++) {
                ids.add("slow-" + i);
            }
            kafka.sendAll("iso.slow", ids);
        }
        Map<String, String> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", env.bootstrap());
        env.route(config, "slow", "iso.slow", "/slow", 64);
        config.put("sluice.routes.slow.rate-limit.per-second", "10");
        config.put("sluice.routes.slow.ordering", "none");
        env.route(config, "fast", "iso.fast", "/fast", 64);
        app = SluiceProcess.start("route-isolation", config, List.of("-Xmx256m")).awaitReady(Duration.ofSeconds(90));
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
        }
        env.close();
    }

    @Test
    void aRouteHeldBackByItsRateLimitOnManyPartitionsLeavesTheGlobalBudgetToTheOthers() {
        // slow's backlog is in: its records wait on every partition
        await().atMost(Duration.ofSeconds(60)).until(() -> app.status().path("parked").asInt() > 0
                && env.sink().stats("/slow").acceptedCount() > 10);
        JsonNode before = app.status();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < FAST_RECORDS; i++) {
            ids.add("fast-" + i);
        }
        long sent = System.nanoTime();
        try (Kafka kafka = new Kafka(env.bootstrap())) {
            kafka.sendAll("iso.fast", ids);
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> env.sink().stats("/fast").acceptedCount() >= FAST_RECORDS);
        long ms = (System.nanoTime() - sent) / 1_000_000;
        JsonNode after = app.status();
        System.out.printf("aRouteHeldBackByItsRateLimit: fast's %d records delivered in %d ms beside slow (10/s on %d "
                + "partitions); before: inFlight %d, parked %d of %d, staged %d; after: inFlight %d, parked %d%n",
                FAST_RECORDS, ms, SLOW_PARTITIONS, before.path("inFlight").asInt(), before.path("parked").asInt(),
                before.path("maxParked").asInt(), before.path("staged").asInt(), after.path("inFlight").asInt(),
                after.path("parked").asInt());
        // alone, the fast route takes well under a second for these; starved, it got a few a second
        assertTrue(ms < 15_000, "fast was starved by slow's waiting records: " + ms + " ms for " + FAST_RECORDS);
    }
}
