package dev.sluice.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.sluice.config.Channels;
import dev.sluice.testing.Kafka;
import dev.sluice.testing.SluiceProcess;
import dev.sluice.testing.TestEnvironment;
import dev.sluice.testing.TestSink;

/**
 * A dead-letter topic that does not exist, on a broker that does not create topics on demand
 * ({@code auto.create.topics.enable=false}) and with Sluice told not to create them either
 * ({@code sluice.dead-letter.create-topics=false}). The packaged app runs as a real process; the
 * sink answers 400 to ids starting with "bad", so those records must be dead-lettered.
 *
 * <ul>
 * <li>a PUT (and a validate) naming a missing topic is refused with the field path, nothing changes;</li>
 * <li>started with such a route (from properties), Sluice comes up ready and says the route is
 * degraded, naming the property;</li>
 * <li>a record that needs the missing topic is held unacked: liveness stays 200 well past
 * stuck-after, status, health and the {@code sluice_route_degraded} gauge give the reason, the other
 * route keeps delivering, the committed offset never passes the held record;</li>
 * <li>once an operator creates the topic, the held record is written and acked, no restart;</li>
 * <li>the topic deleted at run time holds the next such record again, and a PUT pointing the route
 * at another (existing) topic writes it there;</li>
 * <li>a record held when SIGTERM comes is left unacked (not committed) and the drain does not wait
 * for it.</li>
 * </ul>
 */
class MissingDeadLetterTopicIT {
    private static final String TOKEN = "dlq-token";
    private static TestEnvironment env;

    @BeforeAll
    static void start() {
        env = TestEnvironment.withoutTopicAutoCreation();
        env.sink().on("/a", (id, attempt) -> id.startsWith("bad") ? TestSink.Reply.status(400) : TestSink.Reply.ok())
                .on("/b", (id, attempt) -> TestSink.Reply.ok());
        try (Kafka kafka = new Kafka(env.bootstrap())) {
            kafka.createTopic("mdl.a", 1);
            kafka.createTopic("mdl.b", 1);
            kafka.createTopic("mdl.b.dlq", 1);
        }
    }

    @AfterAll
    static void stop() {
        env.close();
    }

    @Test
    void aMissingDeadLetterTopicDegradesOnlyItsRouteHoldsItsRecordsAndHealsWhenTheTopicAppears() throws Exception {
        Map<String, String> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", env.bootstrap());
        config.put("sluice.admin.token", TOKEN);
        config.put("sluice.dead-letter.create-topics", "false");
        config.put("sluice.dead-letter.retry-initial-backoff", "200ms");
        config.put("sluice.dead-letter.retry-max-backoff", "1s");
        // above one failing dead-letter write (the connector tries 3 times, max.block.ms 1 s each) plus
        // retry-max-backoff, as its doc asks: every try counts as progress
        config.put("sluice.health.stuck-after", "8s");
        env.route(config, "a", "mdl.a", "/a", 4);
        config.put("sluice.routes.a.dead-letter-topic", "mdl.a.dlq");
        env.route(config, "b", "mdl.b", "/b", 4);
        config.put("sluice.routes.b.dead-letter-topic", "mdl.b.dlq");
        for (String r : List.of("a", "b")) {
            // a route's timeout plus max-backoff must stay below stuck-after (ProgressBound)
            config.put("sluice.routes." + r + ".timeout", "2s");
            config.put("sluice.routes." + r + ".retry.max-backoff", "1s");
        }
        // a write to a topic deleted at run time fails after these, not after the default 30 s
        config.put(Channels.DEAD_LETTER_PROPERTIES + "max.block.ms", "1000");
        config.put(Channels.DEAD_LETTER_PROPERTIES + "request.timeout.ms", "1000");
        config.put(Channels.DEAD_LETTER_PROPERTIES + "delivery.timeout.ms", "3000");
        TestSink.PathStats a = env.sink().stats("/a");
        try (SluiceProcess app = SluiceProcess.start("missing-dlq", config, List.of("-Xmx256m"));
                Kafka kafka = new Kafka(env.bootstrap())) {
            // startup: ready (the admin API stays reachable), the route degraded, the property named
            app.awaitReady(Duration.ofSeconds(60));
            await().atMost(Duration.ofSeconds(20)).until(() -> degraded(app, "a"));
            assertTrue(app.logText().contains("sluice.routes.a.dead-letter-topic"), "startup log names the property");
            assertTrue(!degraded(app, "b"), "route b's dead-letter topic exists");

            // PUT and validate naming a missing topic: 400 with the field, the config in force stays
            String missing = "{\"routes\":[" + route("a", "mdl.a", "/a", "mdl.nowhere") + ","
                    + route("b", "mdl.b", "/b", "mdl.b.dlq") + "]}";
            HttpResponse<String> put = app.put("/admin/config", missing, TOKEN);
            assertEquals(400, put.statusCode(), put.body());
            assertTrue(put.body().contains("routes[0].dead-letter-topic") && put.body().contains("mdl.nowhere"), put.body());
            HttpResponse<String> validate = app.post("/admin/config/validate", missing, TOKEN);
            assertEquals(400, validate.statusCode(), validate.body());
            assertTrue(validate.body().contains("routes[0].dead-letter-topic"), validate.body());
            assertEquals(0, app.status().path("configVersion").asLong(), "nothing applied");

            // a record that needs the missing topic is held; the rest of route a and all of b go on
            long bad1 = kafka.send("mdl.a", "bad-1", "bad-1", Map.of()).offset();
            kafka.sendAll("mdl.a", List.of("good-1", "good-2"));
            List<String> bIds = IntStream.range(0, 20).mapToObj(i -> "b-" + i).toList();
            kafka.sendAll("mdl.b", bIds);
            await().atMost(Duration.ofSeconds(30)).until(() -> a.accepted().containsAll(List.of("good-1", "good-2"))
                    && env.sink().missing("/b", bIds).isEmpty());
            await().atMost(Duration.ofSeconds(20)).until(() -> SluiceProcess.routeStatus(app.status(), "a").path("deadLetterHeld").asInt() == 1);
            // held longer than stuck-after (8 s): liveness stays UP, nothing committed past the record
            List<String> bLater = IntStream.range(0, 20).mapToObj(i -> "b-later-" + i).toList();
            kafka.sendAll("mdl.b", bLater);
            await().during(Duration.ofSeconds(10)).atMost(Duration.ofSeconds(12)).until(() -> app.get("/q/health/live") == 200
                    && kafka.committed("sluice", "mdl.a", 0).orElse(-1) <= bad1);
            assertTrue(env.sink().missing("/b", bLater).isEmpty(), "route b delivered while a held its record");
            JsonNode ra = SluiceProcess.routeStatus(app.status(), "a");
            assertTrue(ra.path("degraded").asBoolean(), ra.toString());
            assertTrue(ra.path("degradedReason").asText().contains("mdl.a.dlq"), ra.toString());
            String health = app.getBody("/q/health");
            assertTrue(health.contains("sluice-dead-letters") && health.contains("mdl.a.dlq"), health);
            assertEquals(1.0, gauge(app, "sluice_route_degraded", "a"));
            assertEquals(0.0, gauge(app, "sluice_route_degraded", "b"));
            assertEquals(200, app.get("/q/health/ready"));

            // the operator creates the topic: the held record is written and acked, no restart
            kafka.createTopic("mdl.a.dlq", 1);
            List<ConsumerRecord<byte[], byte[]>> dead = kafka.read("mdl.a.dlq", 1, Duration.ofSeconds(30));
            assertEquals(List.of("bad-1"), dead.stream().map(Kafka::value).toList());
            assertEquals("400", Kafka.header(dead.get(0), "dead-letter-http-status"));
            await().atMost(Duration.ofSeconds(20)).until(() -> kafka.committed("sluice", "mdl.a", 0).orElse(-1) == bad1 + 3);
            await().atMost(Duration.ofSeconds(10)).until(() -> !degraded(app, "a"));
            assertEquals(0.0, gauge(app, "sluice_route_degraded", "a"));

            // the topic deleted at run time: held again; a PUT to an existing topic writes it there
            kafka.deleteTopic("mdl.a.dlq");
            kafka.createTopic("mdl.a.dlq2", 1);
            long bad2 = kafka.send("mdl.a", "bad-2", "bad-2", Map.of()).offset();
            await().atMost(Duration.ofSeconds(30)).until(() -> degraded(app, "a"));
            assertEquals(200, app.get("/q/health/live"));
            assertTrue(kafka.committed("sluice", "mdl.a", 0).orElse(-1) <= bad2);
            String moved = "{\"routes\":[" + route("a", "mdl.a", "/a", "mdl.a.dlq2") + ","
                    + route("b", "mdl.b", "/b", "mdl.b.dlq") + "]}";
            HttpResponse<String> fixed = app.put("/admin/config", moved, TOKEN);
            assertEquals(200, fixed.statusCode(), fixed.body());
            assertEquals(List.of("bad-2"), kafka.read("mdl.a.dlq2", 1, Duration.ofSeconds(30)).stream().map(Kafka::value).toList());
            await().atMost(Duration.ofSeconds(20)).until(() -> kafka.committed("sluice", "mdl.a", 0).orElse(-1) == bad2 + 1);
            await().atMost(Duration.ofSeconds(10)).until(() -> !degraded(app, "a"));

            // held at SIGTERM: left unacked for the next owner, and the drain does not wait for it
            kafka.deleteTopic("mdl.a.dlq2");
            long bad3 = kafka.send("mdl.a", "bad-3", "bad-3", Map.of()).offset();
            await().atMost(Duration.ofSeconds(30)).until(() -> SluiceProcess.routeStatus(app.status(), "a").path("deadLetterHeld").asInt() == 1);
            long stopping = System.nanoTime();
            assertEquals(0, app.terminate(Duration.ofSeconds(30)));
            long drainMs = (System.nanoTime() - stopping) / 1_000_000;
            assertEquals(bad3, kafka.committed("sluice", "mdl.a", 0).orElse(-1), "committed up to the held record, not past it");
            assertTrue(drainMs < 15_000, "exit took " + drainMs + " ms; the drain (20 s) must not wait for a held record");
            System.out.printf("aMissingDeadLetterTopicDegradesOnlyItsRouteHoldsItsRecordsAndHealsWhenTheTopicAppears: "
                    + "exit with a held record in %d ms%n", drainMs);
        }
    }

    private static String route(String name, String topic, String path, String deadLetters) {
        return "{\"name\":\"" + name + "\",\"topics\":[\"" + topic + "\"],\"target\":{\"url\":\"" + env.sink().url(path)
                + "\"},\"max-in-flight\":4,\"timeout\":\"2s\",\"retry\":{\"max-backoff\":\"1s\"},\"dead-letter-topic\":\""
                + deadLetters + "\"}";
    }


    private static boolean degraded(SluiceProcess app, String name) {
        return SluiceProcess.routeStatus(app.status(), name).path("degraded").asBoolean(false);
    }

    private static double gauge(SluiceProcess app, String name, String route) {
        Matcher m = Pattern.compile("(?m)^" + name + "\\{[^}]*route=\"" + Pattern.quote(route) + "\"[^}]*\\} (\\S+)$")
                .matcher(app.getBody("/q/metrics"));
        if (!m.find()) {
            throw new AssertionError("no " + name + "{route=\"" + route + "\"} in /q/metrics");
        }
        return Double.parseDouble(m.group(1));
    }
}
