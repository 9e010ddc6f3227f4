package dev.sluice.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.sluice.testing.Kafka;
import dev.sluice.testing.SluiceProcess;
import dev.sluice.testing.TestEnvironment;
import dev.sluice.testing.TestSink;

/**
 * Pausing and resuming a route through the config, on the packaged app with a real broker: the
 * paused route takes no new records while its in-flight ones finish and another route goes on;
 * its records wait in Kafka (its partitions not fetched, the group's committed offsets where it
 * stopped); a replica restarted meanwhile starts paused (the pause is in the config topic); the
 * resume delivers every record once, in key order. One of two routes of a topic paused alone:
 * SharedTopicPauseIT.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PauseResumeIT {
    private static final String TOKEN = "pause-token";
    private static final String GROUP = "pause-it";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOPIC = "pause.orders";
    private static final String OTHER_TOPIC = "pause.other";
    private static final int PARTITIONS = 4;
    private static final int KEYS = 20;
    /** Records before the pause, and the backlog produced while paused. */
    private static final int FIRST = 400;
    private static final int WHILE_PAUSED = 3_000;
    private static final Duration STILL = Duration.ofSeconds(3);
    private static TestEnvironment env;
    private static SluiceProcess app;
    private static final List<String> sent = new ArrayList<>();
    private static int deliveredWhenPaused;

    @BeforeAll
    static void start() {
        env = TestEnvironment.start(Map.of());
        env.sink().on("/orders", (id, attempt) -> TestSink.Reply.ok(40));
        env.sink().on("/other", (id, attempt) -> TestSink.Reply.ok());
        try (Kafka kafka = new Kafka(env.bootstrap())) {
            kafka.createTopic(TOPIC, PARTITIONS);
            kafka.createTopic(OTHER_TOPIC, 1);
        }
        app = startApp("pause-1");
    }

    private static SluiceProcess startApp(String name) {
        Map<String, String> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", env.bootstrap());
        config.put("sluice.admin.token", TOKEN);
        config.put("sluice.group-id", GROUP);
        env.route(config, "orders", TOPIC, "/orders", 4);
        env.route(config, "other", OTHER_TOPIC, "/other", 4);
        return SluiceProcess.start(name, config, List.of("-Xmx256m")).awaitReady(Duration.ofSeconds(90));
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
        }
        env.close();
    }

    private static List<Map.Entry<String, String>> keyed(int from, int count) {
        List<Map.Entry<String, String>> records = new ArrayList<>(count);
        for (int i = from; i < from + count; i++) {
            String key = "k" + (i % KEYS);
            records.add(Map.entry(key, key + "-" + i));
        }
        return records;
    }

    private static void send(String topic, List<Map.Entry<String, String>> records) {
        try (Kafka kafka = new Kafka(env.bootstrap())) {
            kafka.sendKeyed(topic, records);
        }
        if (topic.equals(TOPIC)) {
            records.forEach(r -> sent.add(r.getValue()));
        }
    }

    /** The config in force with route {@code orders} paused or not, PUT with If-Match; returns the answer. */
    private static HttpResponse<String> putPaused(boolean paused) throws Exception {
        HttpResponse<String> current = app.request("GET", "/admin/config", Map.of("Authorization", "Bearer " + TOKEN), null);
        assertEquals(200, current.statusCode(), current.body());
        JsonNode doc = JSON.readTree(current.body());
        ObjectNode config = (ObjectNode) doc.get("config");
        for (JsonNode r : config.get("routes")) {
            if (r.get("name").asText().equals("orders")) {
                ((ObjectNode) r).put("paused", paused);
            }
        }
        return app.request("PUT", "/admin/config", Map.of("Authorization", "Bearer " + TOKEN,
                "Content-Type", "application/json", "If-Match", "\"" + doc.get("version").asLong() + "\""),
                JSON.writeValueAsBytes(config));
    }

    /** Opens GET /admin/events; every line read goes to the list returned, until the stream ends. */
    private static List<String> subscribe() {
        List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1).build()
                .sendAsync(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://localhost:" + app.port() + "/admin/events"))
                        .build(), HttpResponse.BodyHandlers.ofLines())
                .thenAccept(r -> r.body().forEach(lines::add));
        return lines;
    }

    /** The data of each {@code route} event read so far. */
    private static List<JsonNode> routeEvents(List<String> lines) throws Exception {
        List<JsonNode> events = new ArrayList<>();
        for (int i = 0; i + 1 < lines.size(); i++) {
            if (lines.get(i).equals("event: route") && lines.get(i + 1).startsWith("data: ")) {
                events.add(JSON.readTree(lines.get(i + 1).substring(6)));
            }
        }
        return events;
    }

    private static int delivered() {
        return env.sink().stats("/orders").acceptedCount();
    }

    private static long committed() {
        try (Kafka kafka = new Kafka(env.bootstrap())) {
            return IntStream.range(0, PARTITIONS).mapToLong(p -> kafka.committed(GROUP, TOPIC, p).orElse(0)).sum();
        }
    }

    @Test
    @Order(1)
    void aPausedRouteTakesNoNewRecordsItsInFlightOnesFinishAndTheOtherRouteGoesOn() throws Exception {
        send(TOPIC, keyed(0, FIRST));
        await().atMost(Duration.ofSeconds(60)).until(() -> delivered() >= 40);
        List<String> stream = subscribe();
        await().atMost(Duration.ofSeconds(10)).until(() -> stream.contains("event: status"));
        HttpResponse<String> put = putPaused(true);
        assertEquals(200, put.statusCode(), put.body());
        long version = JSON.readTree(put.body()).path("version").asLong();
        // the status stream tells its subscribers
        await().atMost(Duration.ofSeconds(10)).until(() -> routeEvents(stream).size() == 1);
        JsonNode event = routeEvents(stream).get(0);
        assertEquals("orders", event.path("route").asText(), event.toString());
        assertTrue(event.path("paused").asBoolean(), event.toString());
        assertEquals(version, event.path("configVersion").asLong(), event.toString());
        await().atMost(Duration.ofSeconds(10)).until(() -> SluiceProcess.routeStatus(app.status(), "orders").path("paused").asBoolean());
        // those in flight finish (answered 200, counted), then nothing more arrives
        await().atMost(Duration.ofSeconds(10)).until(() -> env.sink().stats("/orders").inService() == 0
                && SluiceProcess.routeStatus(app.status(), "orders").path("inFlight").asInt() == 0);
        deliveredWhenPaused = delivered();
        await().during(STILL).atMost(STILL.plusSeconds(5)).until(() -> delivered() == deliveredWhenPaused);
        assertTrue(deliveredWhenPaused < FIRST, "paused before the backlog was through: " + deliveredWhenPaused);

        // the other route, on its own topic, goes on
        send(OTHER_TOPIC, keyed(0, 50));
        await().atMost(Duration.ofSeconds(20)).until(() -> env.sink().stats("/other").acceptedCount() == 50);

        // a backlog produced while paused waits in Kafka: not fetched, not in the app's memory
        send(TOPIC, keyed(FIRST, WHILE_PAUSED));
        await().during(STILL).atMost(STILL.plusSeconds(5)).until(() -> delivered() == deliveredWhenPaused);
        // the consumer's paused partitions are read about once a second
        await().atMost(Duration.ofSeconds(10)).until(() -> SluiceProcess.routeStatus(app.status(), "orders")
                .path("pausedPartitions").size() == PARTITIONS);
        JsonNode status = app.status();
        JsonNode orders = SluiceProcess.routeStatus(status, "orders");
        System.out.printf("aPausedRouteTakesNoNewRecords: %d of %d delivered when paused; while paused %d produced, "
                + "staged %d, committed %d, paused partitions %s%n", deliveredWhenPaused, FIRST, WHILE_PAUSED,
                status.path("staged").asInt(), committed(), orders.path("pausedPartitions"));
        assertEquals(PARTITIONS, orders.path("pausedPartitions").size(), "every partition of the topic paused: " + orders);
        assertTrue(status.path("staged").asInt() <= FIRST - deliveredWhenPaused,
                "what waits in memory was received before the pause, nothing of the backlog since: " + status);
        await().atMost(Duration.ofSeconds(10)).until(() -> committed() <= deliveredWhenPaused);
        assertTrue(committed() + WHILE_PAUSED <= sent.size(), "the backlog is uncommitted, in Kafka");
    }

    @Test
    @Order(2)
    void aReplicaRestartedWhilePausedStartsPausedFromTheConfigTopic() {
        assertEquals(0, app.terminate(Duration.ofSeconds(40)), "a clean drain");
        // its startup properties say nothing of a pause: the config topic does
        app = startApp("pause-2");
        assertTrue(SluiceProcess.routeStatus(app.status(), "orders").path("paused").asBoolean(), app.status().toString());
        send(OTHER_TOPIC, keyed(50, 20));
        await().atMost(Duration.ofSeconds(30)).until(() -> env.sink().stats("/other").acceptedCount() == 70);
        await().during(STILL).atMost(STILL.plusSeconds(5)).until(() -> delivered() == deliveredWhenPaused);
    }

    @Test
    @Order(4)
    void resumeDeliversEveryRecordOnceInKeyOrderFromWhereItStopped() throws Exception {
        HttpResponse<String> put = putPaused(false);
        assertEquals(200, put.statusCode(), put.body());
        long resumed = System.nanoTime();
        await().atMost(Duration.ofSeconds(120)).until(() -> delivered() >= sent.size());
        System.out.printf("resumeDeliversEveryRecordOnce: %d records in %d ms after the resume%n",
                sent.size() - deliveredWhenPaused, (System.nanoTime() - resumed) / 1_000_000);
        List<String> log = env.sink().stats("/orders").acceptedLog();
        assertEquals(sent.size(), log.size(), "each once: " + env.sink().missing("/orders", sent));
        Map<String, List<Integer>> byKey = new LinkedHashMap<>();
        for (String v : log) {
            String[] parts = v.split("-");
            byKey.computeIfAbsent(parts[0], k -> new ArrayList<>()).add(Integer.parseInt(parts[1]));
        }
        byKey.forEach((key, seqs) -> {
            List<Integer> sorted = new ArrayList<>(seqs);
            sorted.sort(null);
            assertEquals(sorted, seqs, "key " + key + " in offset order");
        });
        assertEquals(KEYS, byKey.size());
    }
}
