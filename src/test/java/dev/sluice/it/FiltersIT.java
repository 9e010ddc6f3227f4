package dev.sluice.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.sluice.testing.Kafka;
import dev.sluice.testing.SluiceProcess;
import dev.sluice.testing.TestEnvironment;

/**
 * Route filters through the packaged app and a real broker: two routes read one topic, each with
 * its own filters (exact, prefix, a header, not, CESQL), over binary and structured CloudEvents.
 * Each route gets exactly the records its filters take; a record both decline is acked all the
 * same (the group's committed offsets reach the end of the topic); a structured record the filters
 * cannot read is dead-lettered by each route with the reason; a filter changed live applies to new
 * records; a CESQL syntax error is refused at the door with its position and the old config stays.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FiltersIT {
    private static final String TOPIC = "filters.in";
    private static final String DEAD = "filters.dead";
    private static final String ADMIN = "filters-admin-token";
    private static final String STRUCTURED = "application/cloudevents+json; charset=UTF-8";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ORDERS_FILTERS = "[{\"exact\":{\"type\":\"order.created\"}}]";
    private static final String EU_FILTERS = "[{\"any\":[{\"prefix\":{\"source\":\"/shop/eu\"}},"
            + "{\"exact\":{\"kafka.header.x-region\":\"eu\"}}]},{\"not\":{\"cesql\":\"subject LIKE 'test-%'\"}}]";

    /** Where route orders is in the config document: routes are kept in name order (eu, orders). */
    private static final int ORDERS = 1;
    private static TestEnvironment env;
    private static SluiceProcess app;
    /** Next offset to read on each partition once everything sent is done: the end of the topic. */
    private static final Map<Integer, Long> ends = new ConcurrentHashMap<>();

    @BeforeAll
    static void start() {
        env = TestEnvironment.start(Map.of());
        try (Kafka kafka = new Kafka(env.bootstrap())) {
            kafka.createTopic(TOPIC, 2);
            kafka.createTopic(DEAD, 1);
        }
        Map<String, String> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", env.bootstrap());
        config.put("sluice.admin.token", ADMIN);
        env.sink().on("/orders", (id, attempt) -> dev.sluice.testing.TestSink.Reply.ok())
                .on("/eu", (id, attempt) -> dev.sluice.testing.TestSink.Reply.ok());
        env.route(config, "orders", TOPIC, "/orders", 8);
        env.route(config, "eu", TOPIC, "/eu", 8);
        config.put("sluice.routes.orders.filters", ORDERS_FILTERS);
        config.put("sluice.routes.eu.filters", EU_FILTERS);
        for (String r : List.of("orders", "eu")) {
            config.put("sluice.routes." + r + ".dead-letter-topic", DEAD);
            config.put("sluice.routes." + r + ".retry.max-attempts", "2");
            config.put("sluice.routes." + r + ".retry.initial-backoff", "20ms");
        }
        app = SluiceProcess.start("filters", config, List.of("-Xmx256m")).awaitReady(Duration.ofSeconds(90));
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
        }
        env.close();
    }

    private static Map<String, String> binary(String id, String type, String source, String... more) {
        Map<String, String> h = new HashMap<>(Map.of("ce_specversion", "1.0", "ce_id", id, "ce_type", type, "ce_source", source));
        for (int i = 0; i < more.length; i += 2) {
            h.put(more[i], more[i + 1]);
        }
        return h;
    }

    private static String structured(String id, String type, String source, String subject) {
        return "{\"specversion\":\"1.0\",\"id\":\"" + id + "\",\"type\":\"" + type + "\",\"source\":\"" + source + "\""
                + (subject == null ? "" : ",\"subject\":\"" + subject + "\"") + ",\"data\":{\"type\":\"ignored\"}}";
    }

    private static void sent(RecordMetadata m) {
        ends.merge(m.partition(), m.offset() + 1, Math::max);
    }

    /** Every record sent is done: the group has committed the end of each partition it was sent to. */
    private static void awaitAllDone(Kafka kafka) {
        await().atMost(Duration.ofSeconds(60)).until(() -> ends.entrySet().stream()
                .allMatch(e -> kafka.committed("sluice", TOPIC, e.getKey()).orElse(-1) >= e.getValue()));
    }

    @Test
    @Order(1)
    void eachRouteGetsExactlyWhatItsFiltersTakeInBothModes() throws Exception {
        String s1 = structured("s1", "order.created", "/shop/eu/berlin", null);
        String s2 = structured("s2", "order.refunded", "/shop/eu", "a");
        String s3 = structured("s3", "order.created", "/shop/us", "test-9");
        List<ConsumerRecord<byte[], byte[]>> dead;
        try (Kafka kafka = new Kafka(env.bootstrap())) {
            sent(kafka.send(TOPIC, "k1", "b1", binary("b1", "order.created", "/shop/eu")));
            sent(kafka.send(TOPIC, "k2", "b2", binary("b2", "order.created", "/shop/us", "x-region", "eu")));
            sent(kafka.send(TOPIC, "k3", "b3", binary("b3", "order.cancelled", "/shop/us")));
            sent(kafka.send(TOPIC, "k4", "b4", binary("b4", "order.created", "/shop/eu", "ce_subject", "test-1")));
            sent(kafka.send(TOPIC, "k5", "b5", Map.of()));
            sent(kafka.send(TOPIC, "k6", s1, Map.of("content-type", STRUCTURED)));
            sent(kafka.send(TOPIC, "k7", s2, Map.of("content-type", STRUCTURED)));
            sent(kafka.send(TOPIC, "k8", s3, Map.of("content-type", STRUCTURED, "x-region", "eu")));
            sent(kafka.send(TOPIC, "k9", "{\"id\":\"m1\",", Map.of("content-type", STRUCTURED)));
            dead = kafka.read(DEAD, 2, Duration.ofSeconds(60));
            awaitAllDone(kafka);
        }

        assertEquals(Set.of("b1", "b2", "b4", s1, s3), env.sink().stats("/orders").accepted(), "orders: type order.created");
        assertEquals(Set.of("b1", "b2", s1, s2), env.sink().stats("/eu").accepted(),
                "eu: source /shop/eu* or header x-region eu, and no test- subject");
        assertEquals(Set.of("orders", "eu"), dead.stream().map(r -> Kafka.header(r, "dead-letter-route")).collect(Collectors.toSet()),
                "the record the filters cannot read is dead-lettered by each route");
        for (ConsumerRecord<byte[], byte[]> r : dead) {
            assertEquals("{\"id\":\"m1\",", Kafka.value(r));
            assertTrue(Kafka.header(r, "dead-letter-reason").startsWith("filter-failed: structured-mode value is not valid JSON"),
                    Kafka.header(r, "dead-letter-reason"));
            assertEquals("0", Kafka.header(r, "dead-letter-attempts"), "never sent");
        }

        JsonNode status = app.status();
        // orders declined b3, b5, s2; eu declined b3, b4, b5, s3; m1 was dead-lettered, not filtered
        assertEquals(3, SluiceProcess.routeStatus(status, "orders").get("filtered").asLong(), status.toString());
        assertEquals(4, SluiceProcess.routeStatus(status, "eu").get("filtered").asLong(), status.toString());
        assertEquals(5, SluiceProcess.routeStatus(status, "orders").get("delivered").asLong(), status.toString());
        String metrics = app.getBody("/q/metrics");
        assertTrue(metrics.contains("sluice_deliveries_total{outcome=\"filtered\",route=\"orders\"} 3.0"), metrics);
        assertTrue(metrics.contains("sluice_deliveries_total{outcome=\"filtered\",route=\"eu\"} 4.0"), metrics);
    }

    @Test
    @Order(2)
    void aFilterChangedLiveAppliesToNewRecordsAndASyntaxErrorIsRefusedWithItsPosition() throws Exception {
        JsonNode doc = JSON.readTree(app.request("GET", "/admin/config", Map.of("Authorization", "Bearer " + ADMIN), null).body())
                .get("config");
        assertEquals(JSON.readTree(ORDERS_FILTERS), doc.get("routes").get(ORDERS).get("filters"), "GET shows the filters as given");
        ((com.fasterxml.jackson.databind.node.ObjectNode) doc.get("routes").get(ORDERS))
                .set("filters", JSON.readTree("[{\"exact\":{\"type\":\"order.shipped\"}}]"));
        HttpResponse<String> put = app.put("/admin/config", JSON.writeValueAsString(doc), ADMIN);
        assertEquals(200, put.statusCode(), put.body());
        long version = JSON.readTree(put.body()).get("version").asLong();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> app.status().get("appliedVersions").get("dispatcher").asLong() == version);

        List<String> before = new ArrayList<>(env.sink().stats("/orders").acceptedLog());
        try (Kafka kafka = new Kafka(env.bootstrap())) {
            for (int i = 0; i < 20; i++) {
                sent(kafka.send(TOPIC, "n" + i, "shipped-" + i, binary("shipped-" + i, "order.shipped", "/shop/us")));
                sent(kafka.send(TOPIC, "n" + i, "created-" + i, binary("created-" + i, "order.created", "/shop/us")));
            }
            awaitAllDone(kafka);
        }
        Set<String> after = new java.util.HashSet<>(env.sink().stats("/orders").accepted());
        after.removeAll(before);
        assertEquals(java.util.stream.IntStream.range(0, 20).mapToObj(i -> "shipped-" + i).collect(Collectors.toSet()), after,
                "after the change, orders takes order.shipped, every one of them, and no longer order.created");

        ((com.fasterxml.jackson.databind.node.ObjectNode) doc.get("routes").get(ORDERS))
                .set("filters", JSON.readTree("[{\"cesql\":\"type = 'order.created' AND\"}]"));
        HttpResponse<String> bad = app.put("/admin/config", JSON.writeValueAsString(doc), ADMIN);
        assertEquals(400, bad.statusCode(), bad.body());
        assertTrue(bad.body().contains("routes[1].filters[0].cesql") && bad.body().contains("syntax error at column 27"),
                bad.body());
        JsonNode kept = JSON.readTree(app.request("GET", "/admin/config", Map.of("Authorization", "Bearer " + ADMIN), null).body())
                .get("config");
        assertEquals(JSON.readTree("[{\"exact\":{\"type\":\"order.shipped\"}}]"), kept.get("routes").get(ORDERS).get("filters"),
                "the config in force stays");
    }
}
