package dev.sluice.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.sluice.devkafka.EmbeddedKafkaBroker;
import dev.sluice.testing.Kafka;
import dev.sluice.testing.SluiceProcess;
import dev.sluice.testing.TestSink;

/**
 * Readiness means the config is known: the packaged app starts before its broker; it stays not
 * ready and takes no record until it has read the config topic, and then runs with the config
 * found there (not with its startup properties).
 */
class ConfigLoadReadinessIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void notReadyUntilTheConfigTopicIsRead() throws Exception {
        int brokerPort = EmbeddedKafkaBroker.freePort();
        try (TestSink sink = new TestSink().on("/orders", (id, attempt) -> TestSink.Reply.ok())) {
            Map<String, String> config = new HashMap<>();
            config.put("kafka.bootstrap.servers", "localhost:" + brokerPort);
            config.put("sluice.routes.orders.topics", "ready.orders");
            config.put("sluice.routes.orders.target.url", sink.url("/orders"));
            config.put("sluice.routes.orders.max-in-flight", "8");
            try (SluiceProcess app = SluiceProcess.start("readiness", config, List.of("-Xmx256m"))) {
                app.awaitListening(Duration.ofSeconds(60));
                await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3))
                        .until(() -> app.get("/q/health/ready") == 503);
                JsonNode before = JSON.readTree(app.getBody("/admin/status"));
                assertFalse(before.get("running").asBoolean(), "no record taken before the config is loaded");

                try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(
                        Path.of("target", "test-kafka-" + UUID.randomUUID()), brokerPort, Map.of());
                        Kafka kafka = new Kafka(broker.bootstrapServers())) {
                    kafka.createTopic("ready.orders", 2);
                    // compacted, as the replica that wrote it created it (Sluice refuses to load from
                    // a topic that is not: retention would have deleted its config)
                    kafka.createTopic("sluice-config", 1, Map.of("cleanup.policy", "compact"));
                    // a config written by some earlier replica: limit 3 instead of the properties' 8
                    String stored = "{\"routes\":[{\"name\":\"orders\",\"topics\":[\"ready.orders\"],\"target\":{\"url\":\""
                            + sink.url("/orders") + "\"},\"max-in-flight\":3}]}";
                    kafka.send("sluice-config", "sluice-config", stored, Map.of());
                    kafka.send("ready.orders", "k", "ready-1", Map.of());

                    await().atMost(Duration.ofSeconds(60)).until(() -> app.get("/q/health/ready") == 200);
                    // the app may have read the topic just before the record landed: then it
                    // follows it a moment later
                    await().atMost(Duration.ofSeconds(10))
                            .until(() -> JSON.readTree(app.getBody("/admin/status")).get("configVersion").asLong() == 1);
                    JsonNode after = JSON.readTree(app.getBody("/admin/status"));
                    assertEquals(3, after.get("routes").get(0).get("limit").asInt(), "the topic's config, not the properties'");
                    await().atMost(Duration.ofSeconds(30)).until(() -> sink.stats("/orders").accepted().contains("ready-1"));
                    app.terminate(Duration.ofSeconds(30));
                }
            }
        }
    }
}
