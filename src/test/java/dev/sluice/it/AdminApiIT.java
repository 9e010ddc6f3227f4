package dev.sluice.it;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.sluice.testing.AdminTestResource;
import dev.sluice.testing.Kafka;
import dev.sluice.testing.TestSink;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;

/** The admin API: validation at the door, authentication, optimistic concurrency, live limits. */
@QuarkusTest
@QuarkusTestResource(value = AdminTestResource.class, restrictToAnnotatedClass = true)
class AdminApiIT {

    private static RequestSpecification admin() {
        return given().header("Authorization", "Bearer " + AdminTestResource.TOKEN).contentType("application/json");
    }

    private static String route(String name, String topic, String path, int maxInFlight) {
        return "{\"name\":\"" + name + "\",\"topics\":[\"" + topic + "\"],\"target\":{\"url\":\""
                + AdminTestResource.env().sink().url(path) + "\"},\"max-in-flight\":" + maxInFlight + "}";
    }

    private static String liveRoute(int maxInFlight) {
        return "{\"routes\":[" + route("live", "it.live", "/slow", maxInFlight) + "]}";
    }

    private static long version() {
        return admin().get("/admin/config").then().statusCode(200).extract().jsonPath().getLong("version");
    }

    static Stream<Arguments> badConfigs() {
        String ok = "\"name\":\"r\",\"topics\":[\"it.live\"],\"target\":{\"url\":\"http://localhost:1/x\"}";
        return Stream.of(
                Arguments.of("malformed JSON", "{\"routes\":[", "$"),
                Arguments.of("not an object", "[1,2]", "$"),
                Arguments.of("unknown root key", "{\"routes\":[{" + ok + "}],\"colour\":1}", "colour"),
                Arguments.of("unknown route key", "{\"routes\":[{" + ok + ",\"timeot\":\"1s\"}]}", "routes[0].timeot"),
                Arguments.of("missing routes", "{}", "routes"),
                Arguments.of("no routes", "{\"routes\":[]}", "routes"),
                Arguments.of("missing target", "{\"routes\":[{\"name\":\"r\",\"topics\":[\"a\"]}]}", "routes[0].target"),
                Arguments.of("missing url", "{\"routes\":[{\"name\":\"r\",\"topics\":[\"a\"],\"target\":{}}]}", "routes[0].target.url"),
                Arguments.of("ftp url", "{\"routes\":[{\"name\":\"r\",\"topics\":[\"a\"],\"target\":{\"url\":\"ftp://h/x\"}}]}", "routes[0].target.url"),
                Arguments.of("relative url", "{\"routes\":[{\"name\":\"r\",\"topics\":[\"a\"],\"target\":{\"url\":\"/x\"}}]}", "routes[0].target.url"),
                Arguments.of("zero limit", "{\"routes\":[{" + ok + ",\"max-in-flight\":0}]}", "routes[0].max-in-flight"),
                Arguments.of("negative global limit", "{\"max-in-flight\":-1,\"routes\":[{" + ok + "}]}", "max-in-flight"),
                Arguments.of("limit not a number", "{\"routes\":[{" + ok + ",\"max-in-flight\":\"lots\"}]}", "routes[0].max-in-flight"),
                Arguments.of("timeout too long", "{\"routes\":[{" + ok + ",\"timeout\":\"2h\"}]}", "routes[0].timeout"),
                Arguments.of("timeout unreadable", "{\"routes\":[{" + ok + ",\"timeout\":\"soon\"}]}", "routes[0].timeout"),
                Arguments.of("zero attempts", "{\"routes\":[{" + ok + ",\"retry\":{\"max-attempts\":0}}]}", "routes[0].retry.max-attempts"),
                Arguments.of("jitter above 1", "{\"routes\":[{" + ok + ",\"retry\":{\"jitter\":1.5}}]}", "routes[0].retry.jitter"),
                Arguments.of("duplicate names", "{\"routes\":[{" + ok + "},{" + ok + "}]}", "routes[1].name"),
                Arguments.of("bad topic name", "{\"routes\":[{\"name\":\"r\",\"topics\":[\"a b\"],\"target\":{\"url\":\"http://h/x\"}}]}", "routes[0].topics[0]"),
                Arguments.of("dead letters loop", "{\"routes\":[{" + ok + ",\"dead-letter-topic\":\"it.live\"}]}", "routes[0].dead-letter-topic"),
                Arguments.of("unknown expects", "{\"routes\":[{" + ok + ",\"expects\":\"xml\"}]}", "routes[0].expects"),
                Arguments.of("zero max-value-bytes", "{\"routes\":[{" + ok + ",\"max-value-bytes\":0}]}", "routes[0].max-value-bytes"),
                Arguments.of("unknown concurrency", "{\"routes\":[{" + ok + ",\"concurrency\":\"auto\"}]}", "routes[0].concurrency"),
                Arguments.of("adaptive min above max", "{\"routes\":[{" + ok + ",\"adaptive\":{\"min\":10,\"max\":5}}]}",
                        "routes[0].adaptive.min"),
                Arguments.of("rate burst zero", "{\"routes\":[{" + ok + ",\"rate-limit\":{\"per-second\":5,\"burst\":0}}]}",
                        "routes[0].rate-limit.burst"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badConfigs")
    void malformedConfigIsRefusedWithItsFieldPathAndTheOldConfigStays(String name, String body, String field) {
        long before = version();
        admin().body(body).put("/admin/config").then().statusCode(400)
                .body("problems.field", hasItem(field));
        admin().body(body).post("/admin/config/validate").then().statusCode(400)
                .body("problems.field", hasItem(field));
        assertEquals(before, version(), "config version unchanged");
    }

    @Test
    void mutatingCallsAndConfigReadsNeedTheToken() {
        String body = liveRoute(4);
        given().contentType("application/json").body(body).put("/admin/config").then().statusCode(401);
        given().header("Authorization", "Bearer nope").contentType("application/json").body(body)
                .put("/admin/config").then().statusCode(403);
        given().header("Authorization", "Basic dGVzdA==").contentType("application/json").body(body)
                .put("/admin/config").then().statusCode(401);
        admin().body(body).put("/admin/config").then().statusCode(200);
        // the config and its dry run need a token too (they show target hosts and topics);
        // status and health stay open, like /q/metrics
        given().get("/admin/config").then().statusCode(401);
        given().contentType("application/json").body(body).post("/admin/config/validate").then().statusCode(401);
        admin().get("/admin/config").then().statusCode(200);
        given().get("/admin/status").then().statusCode(200);
        given().get("/q/health/live").then().statusCode(200);
    }

    @Test
    void theApiIsDescribedByAnOpenApiDocument() {
        given().accept("application/json").get("/q/openapi?format=json").then().statusCode(200)
                .body("paths.keySet()", org.hamcrest.Matchers.hasItems("/admin/config", "/admin/config/validate", "/admin/status",
                        "/admin/events", "/admin/dead-letters", "/admin/redrives", "/admin/redrives/{id}",
                        "/admin/redrives/{id}/cancel"))
                .body("paths.'/admin/redrives'.post.security[0].keySet()", hasItem("admin-token"))
                .body("paths.'/admin/events'.get.responses.'200'.content.keySet()", hasItem("text/event-stream"))
                .body("paths.'/admin/config'.put.security[0].keySet()", hasItem("admin-token"))
                .body("components.securitySchemes.'admin-token'.scheme", equalTo("bearer"));
    }

    @Test
    void ifMatchGivesOptimisticConcurrency() {
        long v = version();
        admin().get("/admin/config").then().header("ETag", "\"" + v + "\"");
        admin().header("If-Match", "\"" + v + "\"").body(liveRoute(4)).put("/admin/config").then().statusCode(200)
                .body("version", equalTo((int) v + 1));
        admin().header("If-Match", "\"" + v + "\"").body(liveRoute(4)).put("/admin/config").then().statusCode(412);
        assertEquals(v + 1, version());
    }

    /**
     * Guarantee 4 for routes: a route on a topic nobody consumed starts flowing at once; removed,
     * its topic is let go and new events wait in Kafka; added back, they arrive. Nothing is lost.
     */
    @Test
    void aRouteOnANewTopicStartsFlowingAndARemovedOneLosesNothing() {
        TestSink sink = AdminTestResource.env().sink();
        String both = "{\"routes\":[" + route("live", "it.live", "/slow", 4) + "," + route("added", "it.added", "/ok", 8) + "]}";
        admin().body(both).put("/admin/config").then().statusCode(200);
        List<String> first = IntStream.range(0, 100).mapToObj(i -> "added-" + i).toList();
        List<String> later = IntStream.range(0, 20).mapToObj(i -> "while-removed-" + i).toList();
        try (Kafka kafka = new Kafka(AdminTestResource.env().bootstrap())) {
            kafka.sendAll("it.added", first);
            await().atMost(Duration.ofSeconds(30)).until(() -> sink.missing("/ok", first).isEmpty());

            admin().body(liveRoute(4)).put("/admin/config").then().statusCode(200);
            kafka.sendAll("it.added", later);
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3))
                    .until(() -> sink.missing("/ok", later).size() == later.size());

            admin().body(both).put("/admin/config").then().statusCode(200);
            await().atMost(Duration.ofSeconds(30)).until(() -> sink.missing("/ok", later).isEmpty());
        }
        admin().body(liveRoute(4)).put("/admin/config").then().statusCode(200);
    }

    /**
     * Guarantee 4: a route's limit changes during a run against a 50 ms sink; the measured
     * concurrency follows within a second each time, and every event arrives exactly once.
     */
    @Test
    void routeLimitFollowsLiveChangesWithoutLossOrDuplicates() {
        TestSink sink = AdminTestResource.env().sink();
        TestSink.PathStats slow = sink.stats("/slow");
        admin().body(liveRoute(4)).put("/admin/config").then().statusCode(200);
        List<String> ids = IntStream.range(0, 3000).mapToObj(i -> "live-" + i).toList();
        try (Kafka kafka = new Kafka(AdminTestResource.env().bootstrap())) {
            kafka.sendAll("it.live", ids);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> slow.currentConcurrency() == 4);
        // 3000 events against 4 x 50 ms: the pipeline is full and the consumer pauses
        await().atMost(Duration.ofSeconds(10)).until(() -> !given().get("/admin/status").jsonPath().getList("routes[0].pausedPartitions").isEmpty());

        admin().body(liveRoute(16)).put("/admin/config").then().statusCode(200);
        slow.resetMaxConcurrency();
        await().atMost(Duration.ofSeconds(1)).until(() -> slow.maxConcurrency() == 16);

        admin().body(liveRoute(2)).put("/admin/config").then().statusCode(200);
        // in-flight requests finish (50 ms); none is cancelled; then at most 2 at once
        await().atMost(Duration.ofSeconds(1)).until(() -> slow.currentConcurrency() <= 2);
        slow.resetMaxConcurrency();
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(1)).until(() -> slow.maxConcurrency() <= 2);

        admin().body(liveRoute(32)).put("/admin/config").then().statusCode(200);
        await().atMost(Duration.ofSeconds(60)).until(() -> sink.missing("/slow", ids).isEmpty());
        long deliveries = slow.acceptedLog().stream().filter(id -> id.startsWith("live-")).count();
        assertEquals(ids.size(), deliveries, "every event exactly once");
        given().get("/admin/status").then().body("routes[0].limit", equalTo(32))
                .body("appliedVersions.dispatcher", equalTo((int) version()));
        assertTrue(slow.maxConcurrency() <= 32);
    }
}
