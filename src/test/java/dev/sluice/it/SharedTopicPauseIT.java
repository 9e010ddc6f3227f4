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
import java.util.concurrent.CompletableFuture;
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

import dev.sluice.config.Channels;
import dev.sluice.testing.Kafka;
import dev.sluice.testing.SluiceProcess;
import dev.sluice.testing.TestEnvironment;
import dev.sluice.testing.TestSink;

/**
 * One of two routes on a topic paused alone, on the packaged app with a real broker: the other
 * route goes on with every record; the paused one gets nothing new, and its records wait in Kafka
 * (the group's committed offsets pass them: nothing of them is in memory); a replica restarted
 * meanwhile keeps holding them (the hold is marked in the redrive topic); the resume, while
 * records keep coming, delivers each of the held and the new ones to it once, in key order. With
 * two replicas, each catches up on its own partitions, and a replica SIGKILLed mid catch-up leaves
 * its holds to the other, which goes on from their last progress.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SharedTopicPauseIT {
    private static final String TOKEN = "shared-pause-token";
    private static final String GROUP = "shared-pause-it";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOPIC = "shared.orders";
    private static final int PARTITIONS = 4;
    private static final int KEYS = 20;
    private static final Duration STILL = Duration.ofSeconds(3);
    private static TestEnvironment env;
    private static SluiceProcess app;
    private static final List<String> sent = new java.util.concurrent.CopyOnWriteArrayList<>();
    private static int billedWhenPaused;

    @BeforeAll
    static void start() {
        env = TestEnvironment.start(Map.of());
        env.sink().on("/billing", (id, attempt) -> TestSink.Reply.ok(5));
        env.sink().on("/audit", (id, attempt) -> TestSink.Reply.ok());
        try (Kafka kafka = new Kafka(env.bootstrap())) {
            kafka.createTopic(TOPIC, PARTITIONS);
        }
        app = startApp("shared-pause-1");
    }

    private static SluiceProcess startApp(String name) {
        Map<String, String> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", env.bootstrap());
        config.put("sluice.admin.token", TOKEN);
        config.put("sluice.group-id", GROUP);
        // a SIGKILLed member's partitions move after its session times out: the broker's minimum keeps it short
        config.put(Channels.INTAKE_PROPERTIES + "session.timeout.ms", "6000");
        config.put(Channels.INTAKE_PROPERTIES + "heartbeat.interval.ms", "1000");
        env.route(config, "billing", TOPIC, "/billing", 8);
        env.route(config, "audit", TOPIC, "/audit", 8);
        return SluiceProcess.start(name, config, List.of("-Xmx256m")).awaitReady(Duration.ofSeconds(90));
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
        }
        env.close();
    }

    private static void send(int from, int count) {
        List<Map.Entry<String, String>> records = new ArrayList<>(count);
        for (int i = from; i < from + count; i++) {
            String key = "k" + (i % KEYS);
            records.add(Map.entry(key, key + "-" + i));
        }
        try (Kafka kafka = new Kafka(env.bootstrap())) {
            kafka.sendKeyed(TOPIC, records);
        }
        records.forEach(r -> sent.add(r.getValue()));
    }

    private static HttpResponse<String> putPaused(boolean paused) throws Exception {
        HttpResponse<String> current = app.request("GET", "/admin/config", Map.of("Authorization", "Bearer " + TOKEN), null);
        assertEquals(200, current.statusCode(), current.body());
        JsonNode doc = JSON.readTree(current.body());
        ObjectNode config = (ObjectNode) doc.get("config");
        for (JsonNode r : config.get("routes")) {
            if (r.get("name").asText().equals("billing")) {
                ((ObjectNode) r).put("paused", paused);
            }
        }
        return app.request("PUT", "/admin/config", Map.of("Authorization", "Bearer " + TOKEN,
                "Content-Type", "application/json", "If-Match", "\"" + doc.get("version").asLong() + "\""),
                JSON.writeValueAsBytes(config));
    }

    private static int billed() {
        return env.sink().stats("/billing").acceptedCount();
    }

    private static int audited() {
        return env.sink().stats("/audit").acceptedCount();
    }

    private static long committed() {
        try (Kafka kafka = new Kafka(env.bootstrap())) {
            return IntStream.range(0, PARTITIONS).mapToLong(p -> kafka.committed(GROUP, TOPIC, p).orElse(0)).sum();
        }
    }

    @Test
    @Order(1)
    void thePausedRouteGetsNothingNewTheOtherGetsEverythingAndTheCommitPassesTheHeldRecords() throws Exception {
        send(0, 200);
        await().atMost(Duration.ofSeconds(60)).until(() -> billed() == 200 && audited() == 200);
        HttpResponse<String> put = putPaused(true);
        assertEquals(200, put.statusCode(), put.body());
        await().atMost(Duration.ofSeconds(10)).until(() -> SluiceProcess.routeStatus(app.status(), "billing").path("paused").asBoolean());
        billedWhenPaused = billed();
        send(200, 2_000);
        await().atMost(Duration.ofSeconds(60)).until(() -> audited() == 2_200);
        await().during(STILL).atMost(STILL.plusSeconds(5)).until(() -> billed() == billedWhenPaused);
        // held in Kafka, not in memory: the group's committed offsets are past them
        await().atMost(Duration.ofSeconds(15)).until(() -> committed() == sent.size());
        JsonNode status = app.status();
        System.out.printf("sharedTopicPause: paused at %d billed; 2,000 more: audit %d, billing %d, committed %d, staged %d%n",
                billedWhenPaused, audited(), billed(), committed(), status.path("staged").asInt());
        assertEquals(200, billedWhenPaused, "nothing was under way at the pause");
        assertEquals(0, status.path("staged").asInt(), status.toString());
        assertEquals(0, SluiceProcess.routeStatus(status, "billing").path("pausedPartitions").size(),
                "the topic is fetched for the other route: " + status);
        JsonNode held = SluiceProcess.routeStatus(status, "billing").path("holds");
        assertEquals(PARTITIONS, held.size(), "a hold per partition: " + held);
        assertEquals(0, SluiceProcess.routeStatus(status, "audit").path("holds").size(), status.toString());
    }

    @Test
    @Order(2)
    void aRestartedReplicaKeepsHoldingThePausedRoutesRecords() {
        assertEquals(0, app.terminate(Duration.ofSeconds(40)), "a clean drain");
        app = startApp("shared-pause-2");
        send(2_200, 500);
        await().atMost(Duration.ofSeconds(60)).until(() -> audited() == 2_700);
        await().during(STILL).atMost(STILL.plusSeconds(5)).until(() -> billed() == billedWhenPaused);
        await().atMost(Duration.ofSeconds(15)).until(() -> committed() == sent.size());
    }

    @Test
    @Order(3)
    void resumeWhileRecordsKeepComingDeliversEachOnceInKeyOrder() throws Exception {
        CompletableFuture<Void> more = CompletableFuture.runAsync(() -> {
            for (int i = 0; i < 10; i++) {
                send(2_700 + i * 100, 100);
            }
        });
        HttpResponse<String> put = putPaused(false);
        assertEquals(200, put.statusCode(), put.body());
        long resumed = System.nanoTime();
        more.get();
        await().atMost(Duration.ofSeconds(120)).until(() -> billed() >= sent.size() && audited() >= sent.size());
        System.out.printf("sharedTopicPause: resume delivered %d to billing in %d ms (1,000 sent meanwhile)%n",
                sent.size() - billedWhenPaused, (System.nanoTime() - resumed) / 1_000_000);
        await().during(STILL).atMost(STILL.plusSeconds(5)).until(() -> billed() == sent.size());
        await().atMost(Duration.ofSeconds(10)).until(() -> SluiceProcess.routeStatus(app.status(), "billing").path("holds").isEmpty());
        for (String path : List.of("/billing", "/audit")) {
            List<String> log = env.sink().stats(path).acceptedLog();
            assertEquals(sent.size(), log.size(), path + " each once: " + env.sink().missing(path, sent));
            Map<String, List<Integer>> byKey = new LinkedHashMap<>();
            for (String v : log) {
                String[] parts = v.split("-");
                byKey.computeIfAbsent(parts[0], k -> new ArrayList<>()).add(Integer.parseInt(parts[1]));
            }
            byKey.forEach((key, seqs) -> {
                List<Integer> sorted = new ArrayList<>(seqs);
                sorted.sort(null);
                assertEquals(sorted, seqs, path + " key " + key + " in offset order");
            });
            assertEquals(KEYS, byKey.size());
        }
    }

    /** Records the replica delivered to audit. */
    private static long audit(SluiceProcess replica) {
        return SluiceProcess.routeStatus(replica.status(), "audit").path("delivered").asLong();
    }

    private static int holds(SluiceProcess replica) {
        return SluiceProcess.routeStatus(replica.status(), "billing").path("holds").size();
    }

    @Test
    @Order(4)
    void twoReplicasCatchUpOnTheirOwnPartitionsAndAKilledOnesHoldsAreTakenOver() throws Exception {
        env.sink().on("/billing", (id, attempt) -> TestSink.Reply.ok(20));
        SluiceProcess second = startApp("shared-pause-3");
        try {
            send(sent.size(), 200);
            await().atMost(Duration.ofSeconds(60)).until(() -> audited() >= sent.size() && billed() >= sent.size());
            assertEquals(200, putPaused(true).statusCode());
            await().atMost(Duration.ofSeconds(10)).until(() -> SluiceProcess.routeStatus(app.status(), "billing").path("paused").asBoolean()
                    && SluiceProcess.routeStatus(second.status(), "billing").path("paused").asBoolean());
            await().atMost(Duration.ofSeconds(10)).until(() -> env.sink().stats("/billing").inService() == 0);
            int pausedAt = billed();
            long firstAudited = audit(app);
            long secondAudited = audit(second);
            send(sent.size(), 2_000);
            await().atMost(Duration.ofSeconds(60)).until(() -> audited() >= sent.size());
            await().during(STILL).atMost(STILL.plusSeconds(5)).until(() -> billed() == pausedAt);
            // the partitions are spread (each replica delivered some of the new records to audit), and
            // each replica knows every hold of the route, its own partitions' and the other's
            int firstShare = (int) (audit(app) - firstAudited);
            int secondShare = (int) (audit(second) - secondAudited);
            assertTrue(firstShare > 0 && secondShare > 0, "audit deliveries " + firstShare + " and " + secondShare);
            await().atMost(Duration.ofSeconds(10)).until(() -> holds(app) == PARTITIONS && holds(second) == PARTITIONS);
            assertEquals(200, putPaused(false).statusCode());
            await().atMost(Duration.ofSeconds(30)).until(() -> billed() > pausedAt + 300);
            second.kill();
            int atKill = billed();
            long killed = System.nanoTime();
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
                List<String> missing = env.sink().missing("/billing", sent);
                assertEquals(0, missing.size(), "not at billing: " + missing.stream().limit(20).toList() + "; holds "
                        + SluiceProcess.routeStatus(app.status(), "billing").path("holds"));
            });
            long afterKill = (System.nanoTime() - killed) / 1_000_000;
            await().atMost(Duration.ofSeconds(20)).until(() -> holds(app) == 0);
            List<String> log = env.sink().stats("/billing").acceptedLog();
            int twice = log.size() - new java.util.HashSet<>(log).size();
            System.out.printf("sharedTopicPause: 2 replicas delivered %d + %d to audit while billing was held; %d of %d "
                    + "delivered at the SIGKILL, "
                    + "all %d there %d ms after it, %d delivered twice%n", firstShare, secondShare, atKill - pausedAt,
                    sent.size() - pausedAt, sent.size(), afterKill, twice);
            // every record at least once; each key's first deliveries in offset order
            Map<String, List<Integer>> byKey = new LinkedHashMap<>();
            java.util.Set<String> seen = new java.util.HashSet<>();
            for (String v : log) {
                if (seen.add(v)) {
                    String[] parts = v.split("-");
                    byKey.computeIfAbsent(parts[0], k -> new ArrayList<>()).add(Integer.parseInt(parts[1]));
                }
            }
            byKey.forEach((key, seqs) -> {
                List<Integer> sorted = new ArrayList<>(seqs);
                sorted.sort(null);
                assertEquals(sorted, seqs, "key " + key + " first deliveries in offset order");
            });
            assertTrue(twice <= 2 * 256, "at most what was under way and unreported went twice: " + twice);
        } finally {
            second.close();
        }
    }
}
