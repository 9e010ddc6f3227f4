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

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.sluice.testing.Kafka;
import dev.sluice.testing.SluiceProcess;
import dev.sluice.testing.TestEnvironment;
import dev.sluice.testing.TestSink;

/**
 * Guarantee 4 across replicas: two instances of the packaged app share a broker; a PUT on one
 * reaches the other through the config topic within seconds (the time is printed); a third
 * instance started later begins with the latest config, not its startup properties.
 */
class ReplicaConvergenceIT {
    private static final String TOKEN = "replica-token";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static TestEnvironment env;

    @BeforeAll
    static void start() {
        env = TestEnvironment.start(Map.of());
        env.sink().on("/orders", (id, attempt) -> TestSink.Reply.ok(5));
        try (Kafka kafka = new Kafka(env.bootstrap())) {
            kafka.createTopic("replica.orders", 4);
        }
    }

    @AfterAll
    static void stop() {
        env.close();
    }

    private static Map<String, String> config() {
        Map<String, String> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", env.bootstrap());
        config.put("sluice.admin.token", TOKEN);
        env.route(config, "orders", "replica.orders", "/orders", 8);
        return config;
    }

    private static JsonNode status(SluiceProcess app) {
        try {
            return JSON.readTree(app.getBody("/admin/status"));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aChangeOnOneReplicaReachesEveryReplica() throws Exception {
        try (SluiceProcess a = SluiceProcess.start("replica-a", config(), List.of("-Xmx256m"));
                SluiceProcess b = SluiceProcess.start("replica-b", config(), List.of("-Xmx256m"))) {
            a.awaitReady(Duration.ofSeconds(90));
            b.awaitReady(Duration.ofSeconds(90));
            assertEquals(0, status(b).get("configVersion").asLong(), "empty topic: the properties are version 0");

            String change = "{\"routes\":[{\"name\":\"orders\",\"topics\":[\"replica.orders\"],\"target\":{\"url\":\""
                    + env.sink().url("/orders") + "\"},\"max-in-flight\":3}]}";
            long putAt = System.nanoTime();
            var response = a.put("/admin/config", change, TOKEN);
            assertEquals(200, response.statusCode(), response.body());
            long version = JSON.readTree(response.body()).get("version").asLong();
            assertTrue(version >= 1);
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                    .until(() -> status(b).get("appliedVersions").get("dispatcher").asLong() == version);
            long propagationMs = (System.nanoTime() - putAt) / 1_000_000;
            assertEquals(3, status(b).get("routes").get(0).get("limit").asInt());
            assertEquals(version, status(a).get("appliedVersions").get("dispatcher").asLong());
            System.out.printf("aChangeOnOneReplicaReachesEveryReplica: PUT on A -> applied on B in %d ms "
                    + "(includes A's write and its answer)%n", propagationMs);

            // events still flow, and the new limit holds on both replicas together (2 x 3)
            List<String> ids = IntStream.range(0, 400).mapToObj(i -> "replica-" + i).toList();
            try (Kafka kafka = new Kafka(env.bootstrap())) {
                kafka.sendAll("replica.orders", ids);
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> env.sink().missing("/orders", ids).isEmpty());
            assertTrue(env.sink().stats("/orders").maxConcurrency() <= 6,
                    "two replicas at 3 each: " + env.sink().stats("/orders").maxConcurrency());

            // a replica started later begins with the latest config, not with its properties (8)
            try (SluiceProcess c = SluiceProcess.start("replica-c", config(), List.of("-Xmx256m"))) {
                c.awaitReady(Duration.ofSeconds(90));
                JsonNode s = status(c);
                assertEquals(version, s.get("configVersion").asLong());
                assertEquals(3, s.get("routes").get(0).get("limit").asInt());
            }
        }
    }
}
