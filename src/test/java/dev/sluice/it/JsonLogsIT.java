package dev.sluice.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.sluice.testing.Kafka;
import dev.sluice.testing.SluiceProcess;
import dev.sluice.testing.TestEnvironment;
import dev.sluice.testing.TestSink;

/** The packaged app logs JSON, and a line about a record carries its coordinates as fields. */
class JsonLogsIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void deadLetterLinesAreJsonWithTheRecordsCoordinates() throws Exception {
        try (TestEnvironment env = TestEnvironment.start(Map.of())) {
            env.sink().on("/reject", (id, attempt) -> TestSink.Reply.status(400));
            long offset;
            try (Kafka kafka = new Kafka(env.bootstrap())) {
                kafka.createTopic("logs.orders", 1);
                offset = kafka.send("logs.orders", "k", "refused-1", Map.of()).offset();
            }
            Map<String, String> config = new HashMap<>();
            config.put("kafka.bootstrap.servers", env.bootstrap());
            env.route(config, "orders", "logs.orders", "/reject", 4);
            try (SluiceProcess app = SluiceProcess.start("json-logs", config, List.of("-Xmx256m"))) {
                app.awaitReady(Duration.ofSeconds(60));
                await().atMost(Duration.ofSeconds(30)).until(() -> app.logText().contains("written to dead-letter topic"));
                String line = app.logText().lines().filter(l -> l.contains("written to dead-letter topic")).findFirst()
                        .orElseThrow();
                JsonNode record = JSON.readTree(line);
                assertEquals("WARN", record.get("level").asText());
                JsonNode mdc = record.get("mdc");
                assertEquals("orders", mdc.get("route").asText(), line);
                assertEquals("logs.orders", mdc.get("topic").asText());
                assertEquals("0", mdc.get("partition").asText());
                assertEquals(String.valueOf(offset), mdc.get("offset").asText());
                app.terminate(Duration.ofSeconds(30));
            }
        }
    }
}
