package dev.sluice.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
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
 * Issue 10 point 7: a PUT's 200 means the config it wrote is in force, and a config topic that
 * lost its history (deleted and re-created, not compacted, a tombstone or a record Sluice cannot
 * read under the config key) is detected and reported, never silently ignored. Each test runs the
 * packaged app against its own config topic on a shared broker (auto-create on, as by default).
 */
class ConfigTopicIntegrityIT {
    private static final String TOKEN = "integrity-token";
    private static final String KEY = "sluice-config";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static TestEnvironment env;
    private static Admin admin;

    @BeforeAll
    static void start() {
        env = TestEnvironment.start(Map.of());
        env.sink().on("/orders", (id, attempt) -> TestSink.Reply.ok());
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, env.bootstrap()));
        try (Kafka kafka = new Kafka(env.bootstrap())) {
            kafka.createTopic("integrity.orders", 1);
        }
    }

    @AfterAll
    static void stop() {
        admin.close();
        env.close();
    }

    private static Map<String, String> config(String configTopic) {
        Map<String, String> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", env.bootstrap());
        config.put("sluice.admin.token", TOKEN);
        config.put("sluice.config-topic", configTopic);
        config.put("sluice.config-topic-check-interval", "500ms");
        config.put("sluice.config-topic-empty-wait", "2s");
        env.route(config, "orders", "integrity.orders", "/orders", 8);
        return config;
    }

    private static String routeWithLimit(int limit) {
        return "{\"routes\":[{\"name\":\"orders\",\"topics\":[\"integrity.orders\"],\"target\":{\"url\":\""
                + env.sink().url("/orders") + "\"},\"max-in-flight\":" + limit + "}]}";
    }

    private static JsonNode json(String body) {
        try {
            return JSON.readTree(body);
        } catch (Exception e) {
            throw new IllegalStateException(body, e);
        }
    }

    private static long putOk(SluiceProcess app, int limit) {
        HttpResponse<String> r = app.put("/admin/config", routeWithLimit(limit), TOKEN);
        assertEquals(200, r.statusCode(), r.body());
        return json(r.body()).get("version").asLong();
    }

    private static JsonNode status(SluiceProcess app) {
        return json(app.getBody("/admin/status"));
    }

    /** The named check sluice-config-topic in /q/health/well. */
    private static JsonNode configTopicCheck(SluiceProcess app) {
        for (JsonNode check : json(app.getBody("/q/health/well")).path("checks")) {
            if ("sluice-config-topic".equals(check.path("name").asText())) {
                return check;
            }
        }
        return JSON.createObjectNode().put("status", "MISSING");
    }

    /** Deletes the topic; returns once it is gone or already another incarnation (Sluice re-creates it). */
    private static void deleteTopic(String topic) throws Exception {
        Uuid before = topicId(topic);
        admin.deleteTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> !before.equals(topicId(topic)));
    }

    private static Uuid topicId(String topic) throws Exception {
        try {
            return admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic).topicId();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return Uuid.ZERO_UUID;
            }
            throw e;
        }
    }

    private static void setCleanupPolicy(String topic, String policy) throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        admin.incrementalAlterConfigs(Map.of(resource, List.of(new AlterConfigOp(
                new ConfigEntry("cleanup.policy", policy), AlterConfigOp.OpType.SET)))).all().get(30, TimeUnit.SECONDS);
    }

    @Test
    void aPutAfterTheConfigTopicWasDeletedIsRefusedInsteadOfAnswering200WithTheOldConfig() throws Exception {
        String topic = "integrity-deleted";
        try (SluiceProcess app = SluiceProcess.start("integrity-deleted", config(topic), List.of("-Xmx256m"))) {
            app.awaitReady(Duration.ofSeconds(90));
            putOk(app, 3);
            long before = putOk(app, 4);
            assertEquals("UP", configTopicCheck(app).path("status").asText(), configTopicCheck(app).toString());

            // deleted: the next write re-creates it (broker auto-create, or Sluice itself) with offsets from 0
            deleteTopic(topic);
            HttpResponse<String> r = app.put("/admin/config", routeWithLimit(5), TOKEN);
            assertNotEquals(200, r.statusCode(), "a write that is not in force answered 200: " + r.body());
            assertTrue(r.statusCode() == 409 || r.statusCode() == 503, r.statusCode() + " " + r.body());
            assertTrue(r.body().contains(topic), r.body());

            await().atMost(Duration.ofSeconds(20)).until(() -> "DOWN".equals(configTopicCheck(app).path("status").asText()));
            String reason = configTopicCheck(app).toString();
            assertTrue(reason.contains("re-created"), reason);
            // the config in force stays the last one applied, and says so
            assertEquals(before, status(app).get("configVersion").asLong());
            assertEquals(4, status(app).get("routes").get(0).get("limit").asInt());
            // a later PUT is refused up front with the way out, not written into the broken topic
            HttpResponse<String> again = app.put("/admin/config", routeWithLimit(6), TOKEN);
            assertEquals(409, again.statusCode(), again.body());
            assertTrue(again.body().contains("/admin/config/reseed"), again.body());
            assertTrue(app.logText().contains("re-created"), "an ERROR line names the problem: " + app.log());
            // readiness stays UP: the replica still delivers with a config it knows, and the admin
            // API that repairs the topic must stay reachable through the Service
            assertEquals(200, app.get("/q/health/ready"));
        }
    }

    @Test
    void aFirstReplicaOnANeverWrittenTopicRunsItsSeedAtOnceAndALaterOneWaitsWhileTheFirstRuns() {
        String topic = "integrity-first-start";
        Map<String, String> config = config(topic);
        config.put("sluice.group-id", "integrity-first-start");
        // long enough that a replica which waits cannot be mistaken for one that did not
        config.put("sluice.config-topic-empty-wait", "15s");
        try (SluiceProcess a = SluiceProcess.start("integrity-first-a", config, List.of("-Xmx256m"))) {
            // nobody of its group runs, so no replica can hold a config the topic lost: no wait
            a.awaitReady(Duration.ofSeconds(90));
            assertTrue(a.logText().contains("consumer group integrity-first-start has no member"), a.logText());
            assertEquals(0, status(a).get("configVersion").asLong());

            try (SluiceProcess b = SluiceProcess.start("integrity-first-b", config, List.of("-Xmx256m"))) {
                b.awaitListening(Duration.ofSeconds(90));
                // A is a member: had the topic been re-created under it, its reset marker could still come
                await().during(Duration.ofSeconds(6)).atMost(Duration.ofSeconds(8)).until(() -> b.get("/q/health/ready") == 503);
                b.awaitReady(Duration.ofSeconds(30));
                assertTrue(b.logText().contains("stayed so for PT15S"), b.logText());
                assertEquals(0, status(b).get("configVersion").asLong());
            }
        }
    }

    @Test
    void aReplicaStartedOnARecreatedEmptyTopicDoesNotRunItsSeedUntilAReseed() throws Exception {
        String topic = "integrity-recreated";
        try (SluiceProcess a = SluiceProcess.start("integrity-recreated-a", config(topic), List.of("-Xmx256m"))) {
            a.awaitReady(Duration.ofSeconds(90));
            putOk(a, 3);
            long inForce = putOk(a, 4);

            // re-created empty and compacted while A runs version inForce: indistinguishable from a new topic
            deleteTopic(topic);
            try {
                admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1).configs(Map.of("cleanup.policy", "compact"))))
                        .all().get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                // A re-created it first, as it does for a deleted topic: the same situation
                assertTrue(e.getCause() instanceof TopicExistsException, e.toString());
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> "DOWN".equals(configTopicCheck(a).path("status").asText()));

            try (SluiceProcess b = SluiceProcess.start("integrity-recreated-b", config(topic), List.of("-Xmx256m"))) {
                b.awaitListening(Duration.ofSeconds(90));
                // B's seed (limit 8) is not the config: A runs version inForce, which the topic lost
                await().during(Duration.ofSeconds(6)).atMost(Duration.ofSeconds(8)).until(() -> b.get("/q/health/ready") == 503);
                assertTrue(b.getBody("/q/health/ready").contains("reseed"), b.getBody("/q/health/ready"));
                assertTrue(!status(b).get("running").asBoolean(), "B takes no record");
                HttpResponse<String> plain = a.put("/admin/config", routeWithLimit(5), TOKEN);
                assertEquals(409, plain.statusCode(), plain.body());

                // the way out: an operator re-seeds with the config to put in force
                HttpResponse<String> reseed = a.put("/admin/config/reseed", routeWithLimit(6), TOKEN);
                assertEquals(200, reseed.statusCode(), reseed.body());
                long reseeded = json(reseed.body()).get("version").asLong();
                assertTrue(reseeded > inForce, "versions keep increasing across the re-creation: " + reseeded + " > " + inForce);

                b.awaitReady(Duration.ofSeconds(30));
                await().atMost(Duration.ofSeconds(10)).until(() -> status(b).get("configVersion").asLong() == reseeded);
                assertEquals(6, status(b).get("routes").get(0).get("limit").asInt());
                assertEquals(6, status(a).get("routes").get(0).get("limit").asInt());
                await().atMost(Duration.ofSeconds(10)).until(() -> "UP".equals(configTopicCheck(a).path("status").asText())
                        && "UP".equals(configTopicCheck(b).path("status").asText()));
                // and plain PUTs work again, on either replica
                assertEquals(reseeded + 1, putOk(b, 7));
            }
        }
    }

    @Test
    void aTopicThatIsNotCompactedIsReportedAndRefusesWritesUntilFixed() throws Exception {
        String topic = "integrity-policy";
        try (SluiceProcess app = SluiceProcess.start("integrity-policy", config(topic), List.of("-Xmx256m"))) {
            app.awaitReady(Duration.ofSeconds(90));
            putOk(app, 3);
            setCleanupPolicy(topic, "delete");
            await().atMost(Duration.ofSeconds(20)).until(() -> "DOWN".equals(configTopicCheck(app).path("status").asText()));
            assertTrue(configTopicCheck(app).toString().contains("cleanup.policy"), configTopicCheck(app).toString());
            HttpResponse<String> r = app.put("/admin/config", routeWithLimit(4), TOKEN);
            assertEquals(409, r.statusCode(), r.body());
            assertTrue(r.body().contains("cleanup.policy"), r.body());

            setCleanupPolicy(topic, "compact");
            await().atMost(Duration.ofSeconds(20)).until(() -> "UP".equals(configTopicCheck(app).path("status").asText()));
            putOk(app, 4);
        }
    }

    @Test
    void aTombstoneOrAnUnreadableRecordIsReportedAndTheNextPutRepairsIt() throws Exception {
        String topic = "integrity-records";
        try (SluiceProcess app = SluiceProcess.start("integrity-records", config(topic), List.of("-Xmx256m"));
                Kafka kafka = new Kafka(env.bootstrap())) {
            app.awaitReady(Duration.ofSeconds(90));
            long v = putOk(app, 3);

            kafka.send(topic, KEY, (byte[]) null, Map.of());
            await().atMost(Duration.ofSeconds(20)).until(() -> "DOWN".equals(configTopicCheck(app).path("status").asText()));
            assertTrue(configTopicCheck(app).toString().contains("tombstone"), configTopicCheck(app).toString());
            assertEquals(v, status(app).get("configVersion").asLong(), "the config in force stays");

            long repaired = putOk(app, 4);
            assertTrue(repaired > v);
            await().atMost(Duration.ofSeconds(10)).until(() -> "UP".equals(configTopicCheck(app).path("status").asText()));

            kafka.send(topic, KEY, "{\"routes\":".getBytes(StandardCharsets.UTF_8), Map.of());
            await().atMost(Duration.ofSeconds(20)).until(() -> "DOWN".equals(configTopicCheck(app).path("status").asText()));
            assertTrue(configTopicCheck(app).toString().contains("unreadable"), configTopicCheck(app).toString());
            putOk(app, 5);
            await().atMost(Duration.ofSeconds(10)).until(() -> "UP".equals(configTopicCheck(app).path("status").asText()));
            assertEquals(5, status(app).get("routes").get(0).get("limit").asInt());
            assertTrue(Set.of(200).contains(app.get("/q/health/ready")));
        }
    }
}
