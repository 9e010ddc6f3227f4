package dev.sluice.it;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.sluice.testing.BrokenDeadLetterResource;
import dev.sluice.testing.Kafka;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Guarantee 1 when the last resort fails: a record that cannot be written to its dead-letter topic
 * is held, never acked, and its offset is never committed; Sluice stays live (a restart cannot
 * create a topic) and says the route is degraded. Once the topic exists the record is written and
 * acked without a restart.
 */
@QuarkusTest
@QuarkusTestResource(value = BrokenDeadLetterResource.class, restrictToAnnotatedClass = true)
class DeadLetterFailureIT {

    @Test
    void aRecordWhoseDeadLetterWriteFailsIsHeldUncommittedAndWrittenOnceTheTopicExists() {
        try (Kafka kafka = new Kafka(BrokenDeadLetterResource.bootstrap())) {
            long first = kafka.send("it.nodlq", "k", "good-1", Map.of()).offset();
            long bad = kafka.send("it.nodlq", "k2", "bad-1", Map.of()).offset();
            kafka.send("it.nodlq", "k3", "good-2", Map.of());
            await().atMost(Duration.ofSeconds(30)).until(() -> BrokenDeadLetterResource.sink().stats("/reject").accepted()
                    .containsAll(List.of("good-1", "good-2")));
            await().atMost(Duration.ofSeconds(30)).until(() -> given().get("/admin/status").jsonPath()
                    .getInt("routes[0].deadLetterHeld") == 1);
            // held: live, degraded with the reason, and the commit stays below the record
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
                    .until(() -> given().get("/q/health/live").statusCode() == 200
                            && kafka.committed("sluice", "it.nodlq", 0).orElse(-1) <= bad);
            given().get("/admin/status").then().body("routes[0].degraded", org.hamcrest.Matchers.is(true))
                    .body("routes[0].degradedReason", containsString("missing.dlq"));
            given().get("/q/health/live").then().statusCode(200).body(containsString("missing.dlq"));
            assertTrue(first < bad);

            kafka.createTopic("missing.dlq", 1);
            assertEquals(List.of("bad-1"), kafka.read("missing.dlq", 1, Duration.ofSeconds(30)).stream()
                    .map(Kafka::value).toList());
            await().atMost(Duration.ofSeconds(20)).until(() -> kafka.committed("sluice", "it.nodlq", 0).orElse(-1) == bad + 2);
            await().atMost(Duration.ofSeconds(10)).until(() -> !given().get("/admin/status").jsonPath()
                    .getBoolean("routes[0].degraded"));
        }
    }
}
