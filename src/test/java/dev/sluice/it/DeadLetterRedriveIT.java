package dev.sluice.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
import dev.sluice.testing.TestSink;

/**
 * Dead letters you can act on, on the packaged app with a real broker: 1,000 records over 50 keys
 * refused by their target (HTTP 400) are listed page by page (newest first, filters, the reason
 * headers, a credential header shown as ***), then redriven to the now-healthy target: a redrive
 * of one key delivers each of its dead letters once, in offset order, with the original
 * Idempotency-Key; a redrive of all of them killed with SIGKILL part way and started again is taken
 * over by the restarted replica and delivers each at least once and at most twice, each key's first
 * deliveries in offset order, and reports what it did.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DeadLetterRedriveIT {
    private static final String TOKEN = "redrive-token";
    private static final String READ_TOKEN = "redrive-read-token";
    private static final String TOPIC = "rd.orders";
    private static final String DLT = "rd.orders.dlt";
    private static final int PARTITIONS = 4;
    private static final int KEYS = 50;
    private static final int RECORDS = 1_000;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static volatile boolean healthy;
    private static TestEnvironment env;
    private static SluiceProcess app;
    /** Value -> (source partition, offset), as the broker acknowledged the send. */
    private static final Map<String, long[]> coordinates = new HashMap<>();
    private static final List<String> values = new ArrayList<>();

    @BeforeAll
    static void start() {
        env = TestEnvironment.start(Map.of());
        env.sink().on("/orders", (id, attempt) -> healthy ? TestSink.Reply.ok(20) : TestSink.Reply.status(400));
        try (Kafka kafka = new Kafka(env.bootstrap())) {
            kafka.createTopic(TOPIC, PARTITIONS);
            kafka.createTopic(DLT, PARTITIONS);
        }
        app = startApp("redrive-1");
        try (Kafka kafka = new Kafka(env.bootstrap())) {
            // the first record carries a credential of its own: never shown, never forwarded
            var first = kafka.send(TOPIC, "k0", "k0-0", Map.of("Authorization", "Bearer s3cr3t-in-a-record", "x-tenant", "acme"));
            coordinates.put("k0-0", new long[] {first.partition(), first.offset()});
            values.add("k0-0");
            List<Map.Entry<String, String>> rest = new ArrayList<>();
            for (int i = 1; i < RECORDS; i++) {
                String key = "k" + (i % KEYS);
                rest.add(Map.entry(key, key + "-" + i));
            }
            var acks = kafka.sendKeyed(TOPIC, rest);
            for (int i = 0; i < rest.size(); i++) {
                coordinates.put(rest.get(i).getValue(), new long[] {acks.get(i).partition(), acks.get(i).offset()});
                values.add(rest.get(i).getValue());
            }
        }
        await().atMost(Duration.ofSeconds(120)).until(() -> SluiceProcess.routeStatus(app.status(), "orders")
                .path("deadLettered").asInt() >= RECORDS);
    }

    private static SluiceProcess startApp(String name) {
        Map<String, String> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", env.bootstrap());
        config.put("sluice.admin.token", TOKEN);
        config.put("sluice.admin.read-token", READ_TOKEN);
        config.put("sluice.group-id", "redrive-it");
        config.put("sluice.redrive.lease", "3s");
        env.route(config, "orders", TOPIC, "/orders", 4);
        config.put("sluice.routes.orders.dead-letter-topic", DLT);
        config.put("sluice.routes.orders.retry.max-attempts", "1");
        return SluiceProcess.start(name, config, List.of("-Xmx256m")).awaitReady(Duration.ofSeconds(90));
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
        }
        env.close();
    }

    private static JsonNode get(String path, String token, int expectedStatus) throws Exception {
        HttpResponse<String> r = app.request("GET", path, token == null ? Map.of() : Map.of("Authorization", "Bearer " + token),
                null);
        assertEquals(expectedStatus, r.statusCode(), path + ": " + r.body());
        return r.body().isEmpty() ? null : JSON.readTree(r.body());
    }

    private static JsonNode post(String path, String body, int expectedStatus) throws Exception {
        HttpResponse<String> r = app.request("POST", path, Map.of("Authorization", "Bearer " + TOKEN),
                body.getBytes(StandardCharsets.UTF_8));
        assertEquals(expectedStatus, r.statusCode(), path + ": " + r.body());
        return JSON.readTree(r.body());
    }

    private static String q(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    @Test
    @Order(1)
    void deadLettersAreListedPageByPageNewestFirstWithTheirReasonAndNoCredential() throws Exception {
        Set<String> seen = new HashSet<>();
        String cursor = null;
        long previous = Long.MAX_VALUE;
        int pages = 0;
        do {
            JsonNode page = get("/admin/dead-letters?route=orders&limit=100" + (cursor == null ? "" : "&cursor=" + q(cursor)),
                    READ_TOKEN, 200);
            pages++;
            for (JsonNode item : page.get("items")) {
                String value = item.get("value").asText();
                assertTrue(seen.add(value), "listed twice: " + value);
                long at = java.time.Instant.parse(item.get("deadLetteredAt").asText()).toEpochMilli();
                assertTrue(at <= previous, "not newest first at " + value);
                previous = at;
                assertEquals("HTTP 400 Bad Request", item.get("reason").asText());
                assertEquals(400, item.get("httpStatus").asInt());
                assertEquals(1, item.get("attempts").asInt());
                long[] source = coordinates.get(value);
                assertEquals(TOPIC, item.at("/source/topic").asText());
                assertEquals(source[0], item.at("/source/partition").asLong());
                assertEquals(source[1], item.at("/source/offset").asLong());
                assertEquals(value.substring(0, value.indexOf('-')), item.get("key").asText());
            }
            cursor = page.get("next").isNull() ? null : page.get("next").asText();
            assertTrue(pages <= 20, "more pages than 1,000 records need");
        } while (cursor != null);
        assertEquals(new HashSet<>(values), seen, "every dead letter listed once");
        System.out.printf("dead letters: %d listed in %d pages of 100%n", seen.size(), pages);

        JsonNode withCredential = get("/admin/dead-letters?route=orders&order=oldest&key=k0&limit=1", TOKEN, 200);
        JsonNode item = withCredential.get("items").get(0);
        assertEquals("k0-0", item.get("value").asText());
        assertEquals("***", item.at("/headers/Authorization").asText(), "a record's credential is never shown");
        assertEquals("acme", item.at("/headers/x-tenant").asText());
        assertFalse(withCredential.toString().contains("s3cr3t"), withCredential.toString());

        JsonNode oneKey = get("/admin/dead-letters?route=orders&key=k7&order=oldest&limit=100", TOKEN, 200);
        List<String> k7 = new ArrayList<>();
        oneKey.get("items").forEach(i -> k7.add(i.get("value").asText()));
        assertEquals(values.stream().filter(v -> v.startsWith("k7-")).toList(), k7, "key filter, oldest first");
        assertEquals(0, get("/admin/dead-letters?route=orders&reason=timeout", TOKEN, 200).get("items").size());
        assertEquals(20, get("/admin/dead-letters?route=orders&status=400&key=k9", TOKEN, 200).get("items").size());

        // refused, naming the field
        for (String bad : List.of("route=nope", "route=orders&limit=0", "route=orders&order=up", "route=orders&cursor=%21%21",
                "route=orders&from=yesterday", "route=orders&status=abc", "limit=5")) {
            JsonNode refused = get("/admin/dead-letters?" + bad, TOKEN, 400);
            assertNotNull(refused.at("/problems/0/field").textValue(), bad + ": " + refused);
        }
        get("/admin/dead-letters?route=orders", null, 401);
        get("/admin/dead-letters?route=orders", "wrong", 403);
    }

    @Test
    @Order(2)
    void aRedriveOfOneKeyDeliversEachOnceInOffsetOrderWithTheOriginalIdempotencyKey() throws Exception {
        healthy = true;
        TestSink.PathStats sink = env.sink().stats("/orders");
        int before = sink.acceptedLog().size();
        // the read token may look, not act
        HttpResponse<String> readOnly = app.request("POST", "/admin/redrives", Map.of("Authorization", "Bearer " + READ_TOKEN),
                "{\"route\":\"orders\"}".getBytes(StandardCharsets.UTF_8));
        assertEquals(403, readOnly.statusCode());
        JsonNode refused = post("/admin/redrives", "{\"route\":\"orders\",\"statuss\":400}", 400);
        assertEquals("statuss", refused.at("/problems/0/field").asText());

        JsonNode started = post("/admin/redrives", "{\"route\":\"orders\",\"key\":\"k3\"}", 202);
        String id = started.get("id").asText();
        await().atMost(Duration.ofSeconds(60)).until(() -> get("/admin/redrives/" + id, READ_TOKEN, 200).get("status").asText()
                .equals("done"));
        JsonNode done = get("/admin/redrives/" + id, READ_TOKEN, 200);
        List<String> k3 = values.stream().filter(v -> v.startsWith("k3-")).toList();
        List<String> arrived = sink.acceptedLog().subList(before, sink.acceptedLog().size());
        assertEquals(k3, arrived, "each of k3's dead letters once, in offset order, nothing else");
        assertEquals(k3.size(), done.get("delivered").asInt(), done.toString());
        assertEquals(0, done.get("deadLetteredAgain").asInt());
        for (String v : k3) {
            long[] c = coordinates.get(v);
            assertEquals(TOPIC + "-" + c[0] + "-" + c[1], sink.headersOf(v).get("Idempotency-Key"), "original idempotency key");
            assertEquals(String.valueOf(c[1]), sink.headersOf(v).get("Kafka-Offset"));
        }
        assertEquals(null, sink.headersOf("k0-0") == null ? null : sink.headersOf("k0-0").get("Authorization"));
        JsonNode list = get("/admin/redrives", READ_TOKEN, 200);
        assertEquals(id, list.at("/redrives/0/id").asText());
    }

    @Test
    @Order(3)
    void aRedriveKilledPartWayIsTakenOverAfterTheRestartAndDeliversEachAtMostTwice() throws Exception {
        healthy = true;
        TestSink.PathStats sink = env.sink().stats("/orders");
        int before = sink.acceptedLog().size();
        JsonNode started = post("/admin/redrives", "{\"route\":\"orders\"}", 202);
        String id = started.get("id").asText();
        assertEquals(RECORDS, started.at("/progress/total").asInt(), started.toString());
        await().atMost(Duration.ofSeconds(60)).until(() -> sink.acceptedLog().size() - before >= 250);
        app.kill();
        int atKill = sink.acceptedLog().size() - before;
        long killed = System.nanoTime();
        app = startApp("redrive-2");
        await().atMost(Duration.ofSeconds(120)).until(() -> get("/admin/redrives/" + id, READ_TOKEN, 200).get("status").asText()
                .equals("done"));
        long ms = (System.nanoTime() - killed) / 1_000_000;
        JsonNode done = get("/admin/redrives/" + id, READ_TOKEN, 200);
        List<String> arrived = new ArrayList<>(sink.acceptedLog().subList(before, sink.acceptedLog().size()));
        Map<String, Integer> times = new LinkedHashMap<>();
        arrived.forEach(v -> times.merge(v, 1, Integer::sum));
        assertEquals(new HashSet<>(values), times.keySet(), "every dead letter delivered");
        int twice = (int) times.values().stream().filter(n -> n == 2).count();
        assertTrue(times.values().stream().allMatch(n -> n <= 2), "none more than twice: " + times);
        // each key's first deliveries in offset order
        Map<String, Long> last = new HashMap<>();
        Set<String> firstSeen = new HashSet<>();
        for (String v : arrived) {
            if (!firstSeen.add(v)) {
                continue;
            }
            String key = v.substring(0, v.indexOf('-'));
            long offset = coordinates.get(v)[1];
            assertTrue(offset > last.getOrDefault(key, -1L), "key " + key + " out of order at " + v);
            last.put(key, offset);
        }
        assertTrue(done.get("runner").asText().length() > 0);
        assertTrue(done.get("delivered").asInt() >= RECORDS, done.toString());
        assertEquals(RECORDS, done.at("/progress/read").asInt(), done.toString());
        System.out.printf("redrive killed after %d of %d delivered; taken over and done %d ms after the kill; %d delivered "
                + "twice; reported delivered %d%n", atKill, RECORDS, ms, twice, done.get("delivered").asInt());
    }

    @Test
    @Order(4)
    void aCancelledRedriveSendsNothingMoreAndSaysSo() throws Exception {
        healthy = true;
        TestSink.PathStats sink = env.sink().stats("/orders");
        int before = sink.acceptedLog().size();
        String id = post("/admin/redrives", "{\"route\":\"orders\"}", 202).get("id").asText();
        await().atMost(Duration.ofSeconds(60)).until(() -> sink.acceptedLog().size() - before >= 50);
        JsonNode cancelling = post("/admin/redrives/" + id + "/cancel", "", 202);
        assertEquals(id, cancelling.get("id").asText());
        await().atMost(Duration.ofSeconds(30)).until(() -> get("/admin/redrives/" + id, READ_TOKEN, 200).get("status").asText()
                .equals("cancelled"));
        int atCancel = sink.acceptedLog().size() - before;
        // what was under way when it stopped has finished: nothing arrives any more
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4))
                .until(() -> sink.acceptedLog().size() - before == atCancel);
        JsonNode done = get("/admin/redrives/" + id, READ_TOKEN, 200);
        assertTrue(atCancel < RECORDS, "cancelled before the end: " + atCancel);
        assertEquals(atCancel, done.get("delivered").asInt(), "its count is what the target got: " + done);
        assertEquals(404, app.request("GET", "/admin/redrives/nope", Map.of("Authorization", "Bearer " + TOKEN), null)
                .statusCode());
        System.out.printf("redrive cancelled after %d of %d delivered%n", atCancel, RECORDS);
    }
}
