package dev.sluice.it;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.sluice.testing.BrokenDeadLetterResource;
import dev.sluice.testing.Kafka;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Guarantee 1 when the last resort fails: if a record cannot be written to the dead-letter topic,
 * it is not acked, its offset is never committed, and Sluice stops and says so through liveness
 * (Kubernetes restarts the pod; the record is redelivered) instead of dropping it.
 */
@QuarkusTest
@QuarkusTestResource(value = BrokenDeadLetterResource.class, restrictToAnnotatedClass = true)
class DeadLetterFailureIT {

    @Test
    void aRecordWhoseDeadLetterWriteFailsIsNeverCommitted() {
        try (Kafka kafka = new Kafka(BrokenDeadLetterResource.bootstrap())) {
            long first = kafka.send("it.nodlq", "k", "good-1", Map.of()).offset();
            long bad = kafka.send("it.nodlq", "k", "bad-1", Map.of()).offset();
            kafka.send("it.nodlq", "k", "good-2", Map.of());
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> BrokenDeadLetterResource.sink().stats("/reject").accepted().contains("good-1"));
            // the dead-letter write fails after max.block.ms; the channel fails, liveness goes DOWN
            await().atMost(Duration.ofSeconds(60)).until(() -> given().get("/q/health/live").statusCode() == 503);
            long committed = kafka.committed("sluice", "it.nodlq", 0).orElse(-1);
            assertTrue(committed <= bad, "committed offset " + committed + " must not pass the unacked record at " + bad);
            // and it stays there: nothing later moves the commit past the record
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3))
                    .until(() -> kafka.committed("sluice", "it.nodlq", 0).orElse(-1) <= bad);
            assertTrue(first < bad);
            String live = given().get("/q/health/live").asString();
            assertTrue(live.contains("DOWN"), live);
            assertTrue(live.contains("sluice-pipeline"), live);
        }
    }
}
