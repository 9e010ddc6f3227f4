package dev.sluice.it;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.testing.Kafka;
import dev.sluice.testing.MetricsTestResource;
import dev.sluice.testing.TestSink;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * /q/metrics in Prometheus format, scraped as Prometheus would, against a real broker and sink
 * (see {@link MetricsTestResource}). Meters are compared with what the sink and the dead-letter
 * topic saw; counters as deltas over the traffic each test sends itself.
 */
@QuarkusTest
@QuarkusTestResource(value = MetricsTestResource.class, restrictToAnnotatedClass = true)
class MetricsIT {
    private static final Map<String, String> METERED = Map.of("route", "metered");
    private static final Duration AT_MOST = Duration.ofSeconds(30);
    private static Kafka kafka;

    @BeforeAll
    static void clients() {
        kafka = new Kafka(MetricsTestResource.env().bootstrap());
    }

    @AfterAll
    static void closeClients() {
        kafka.close();
    }

    private static TestSink sink() {
        return MetricsTestResource.env().sink();
    }

    /**
     * 10 events delivered at once, 2 delivered after one 503, 3 refused with 400 and dead-lettered:
     * every counter moves by exactly what the sink and the dead-letter topic saw, the delivery
     * histograms count the delivered events, and afterwards nothing is in flight and the
     * consumer's lag on both partitions is 0.
     */
    @Test
    void metersMatchWhatTheSinkAndTheDeadLetterTopicSaw() {
        Scrape before = Scrape.now();
        List<String> ok = ids("ok", 10);
        List<String> retry = ids("retry", 2);
        List<String> bad = ids("bad", 3);
        kafka.sendAll("it.metered", ok);
        kafka.sendAll("it.metered", retry);
        kafka.sendAll("it.metered", bad);
        List<String> accepted = new ArrayList<>(ok);
        accepted.addAll(retry);

        await().atMost(AT_MOST).until(() -> sink().missing("/metered", accepted).isEmpty());
        List<String> deadLettered = kafka.read("it.metered.dlq", bad.size(), AT_MOST).stream().map(Kafka::value)
                .filter(bad::contains).toList();
        assertEquals(Set.copyOf(bad), Set.copyOf(deadLettered), "dead-letter topic");
        // the counters move after the sink answered and after the dead-letter write was acked
        await().atMost(AT_MOST).untilAsserted(() -> {
            Scrape s = Scrape.now();
            assertEquals(0, s.value("sluice_in_flight", METERED));
            assertEquals(0, s.value("sluice_records_in_flight", Map.of()));
            assertEquals(accepted.size() + bad.size(), s.delta(before, "sluice_deliveries_total", METERED));
        });

        Scrape after = Scrape.now();
        TestSink.PathStats seen = sink().stats("/metered");
        long sinkDelivered = seen.acceptedLog().stream().filter(accepted::contains).count();
        int sinkAttempts = IntStream.concat(accepted.stream().mapToInt(seen::attempts), bad.stream().mapToInt(seen::attempts)).sum();
        assertEquals(12, sinkDelivered, "the sink accepted each event once");
        assertEquals(17, sinkAttempts, "one attempt each, two for the events answered 503 first");

        assertEquals(15, after.delta(before, "sluice_records_consumed_total", METERED));
        assertEquals(sinkDelivered, after.delta(before, "sluice_deliveries_total", outcome("delivered")));
        assertEquals(deadLettered.size(), after.delta(before, "sluice_deliveries_total", outcome("dead_lettered")));
        assertEquals(0, after.delta(before, "sluice_deliveries_total", outcome("failed")));
        assertEquals(0, after.delta(before, "sluice_deliveries_total", outcome("abandoned")));
        assertEquals(sinkAttempts - ok.size() - retry.size() - bad.size(), after.delta(before, "sluice_retries_total", METERED));

        assertEquals(sinkAttempts, after.delta(before, "sluice_attempt_duration_seconds_count", METERED));
        assertEquals(sinkDelivered, after.delta(before, "sluice_delivery_duration_seconds_count", METERED));
        assertEquals(sinkDelivered, after.delta(before, "sluice_delivery_duration_seconds_bucket", le("+Inf")));
        assertTrue(after.delta(before, "sluice_delivery_duration_seconds_sum", METERED) > 0);
        assertTrue(after.count("sluice_delivery_duration_seconds_bucket", METERED) > 10, "histogram buckets are published");
        assertEquals(sinkDelivered, after.delta(before, "sluice_end_to_end_seconds_count", METERED));
        assertEquals(sinkDelivered, after.delta(before, "sluice_end_to_end_seconds_bucket", le("+Inf")));

        assertEquals(8, after.value("sluice_in_flight_limit", METERED));
        assertEquals(0, after.value("sluice_lane_waiting", METERED));
        assertEquals(32, after.value("sluice_records_in_flight_limit", Map.of()));
        assertEquals(configVersion(), after.value("sluice_config_version", Map.of()));
        await().atMost(AT_MOST).untilAsserted(() -> {
            Scrape s = Scrape.now();
            for (String partition : List.of("0", "1")) {
                Map<String, String> tp = Map.of("topic", "it.metered", "partition", partition);
                assertEquals(0, s.value("sluice_consumer_lag", tp), () -> "lag of it.metered-" + partition);
                assertEquals(0, s.value("sluice_consumer_paused", tp));
            }
        });
    }

    /**
     * The sink holds every request of route "held": its limit fills, the records waiting for it
     * park until their partition is held back, the consumer pauses, and the lag of the backlog shows. Released, the backlog is
     * delivered and the lag goes back to 0.
     */
    @Test
    void aBacklogShowsAsLagAndPausedPartitionsUntilItIsDelivered() {
        Map<String, String> held = Map.of("topic", "it.held", "partition", "0");
        List<String> backlog = ids("held", 3000);
        try {
            kafka.sendAll("it.held", backlog);
            await().atMost(AT_MOST).untilAsserted(() -> {
                Scrape s = Scrape.now();
                assertEquals(1, s.value("sluice_consumer_paused", held), "paused while the pipeline is full");
                assertTrue(s.value("sluice_consumer_lag", held) > 0, "lag while paused");
                assertEquals(4, s.value("sluice_in_flight", Map.of("route", "held")), "the route's limit is used up");
                // the records waiting for the route's permits park (64 = max-waiting-per-partition, at
                // which the partition is held back): only the 4 on the wire hold global permits
                assertEquals(64, s.value("sluice_records_parked", Map.of()), "waiting for the route, parked");
                assertEquals(4 + 64, s.value("sluice_records_in_flight", Map.of()), "on the wire and parked");
                assertEquals(4, s.value("sluice_requests_in_flight", Map.of()), "requests on the wire");
                assertEquals(1, s.value("sluice_partitions_paused_for_lanes", Map.of()), "held back for its waiting records");
            });
        } finally {
            sink().releaseHeld();
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> sink().missing("/held", backlog).isEmpty());
        await().atMost(AT_MOST).untilAsserted(() -> {
            Scrape s = Scrape.now();
            assertEquals(0, s.value("sluice_consumer_lag", held));
            assertEquals(0, s.value("sluice_consumer_paused", held));
            assertEquals(0, s.value("sluice_in_flight", Map.of("route", "held")));
            assertEquals(0, s.value("sluice_records_in_flight", Map.of()));
        });
    }

    /**
     * A route added at run time has all its series at once (counters at 0); removed, every series
     * of it goes; added back, they come back from 0 (no duplicate-meter error).
     */
    @Test
    void aRouteRemovedAtRunTimeLeavesNoSeriesBehind() {
        Map<String, String> extra = Map.of("route", "extra");
        putConfig(true);
        await().atMost(AT_MOST).untilAsserted(() -> {
            Scrape s = Scrape.now();
            assertEquals(5, s.value("sluice_in_flight_limit", extra));
            assertEquals(0, s.value("sluice_deliveries_total", Map.of("route", "extra", "outcome", "delivered")));
            assertEquals(configVersion(), s.value("sluice_config_version", Map.of()));
        });
        List<String> sent = ids("extra", 3);
        kafka.sendAll("it.extra", sent);
        await().atMost(AT_MOST).until(() -> sink().missing("/extra", sent).isEmpty());
        await().atMost(AT_MOST).untilAsserted(() -> assertEquals(3,
                Scrape.now().value("sluice_deliveries_total", Map.of("route", "extra", "outcome", "delivered"))));

        putConfig(false);
        await().atMost(AT_MOST).untilAsserted(() -> {
            Scrape s = Scrape.now();
            assertEquals(List.of(), s.grep("route=\"extra\""), "series of a removed route");
            assertEquals(8, s.value("sluice_in_flight_limit", METERED));
        });

        putConfig(true);
        await().atMost(AT_MOST).untilAsserted(() -> {
            Scrape s = Scrape.now();
            assertEquals(5, s.value("sluice_in_flight_limit", extra));
            assertEquals(0, s.value("sluice_deliveries_total", Map.of("route", "extra", "outcome", "delivered")));
        });
        putConfig(false);
    }

    /** The config of the test resource, with or without route "extra" (it.extra -> /extra, 5 in flight). */
    private static void putConfig(boolean withExtra) {
        String metered = "{\"name\":\"metered\",\"topics\":[\"it.metered\"],\"target\":{\"url\":\"" + sink().url("/metered")
                + "\"},\"max-in-flight\":8,\"dead-letter-topic\":\"it.metered.dlq\",\"retry\":{\"initial-backoff\":\"10ms\"}}";
        String held = ",{\"name\":\"held\",\"topics\":[\"it.held\"],\"target\":{\"url\":\"" + sink().url("/held")
                + "\"},\"max-in-flight\":4,\"timeout\":\"60s\"}";
        String extra = ",{\"name\":\"extra\",\"topics\":[\"it.extra\"],\"target\":{\"url\":\"" + sink().url("/extra")
                + "\"},\"max-in-flight\":5}";
        given().header("Authorization", "Bearer " + MetricsTestResource.TOKEN).contentType("application/json")
                .body("{\"max-in-flight\":32,\"routes\":[" + metered + held + (withExtra ? extra : "") + "]}")
                .put("/admin/config").then().statusCode(200);
    }

    private static double configVersion() {
        return given().header("Authorization", "Bearer " + MetricsTestResource.TOKEN).get("/admin/config").then().statusCode(200).extract().jsonPath().getLong("version");
    }

    private static Map<String, String> outcome(String outcome) {
        return Map.of("route", "metered", "outcome", outcome);
    }

    private static Map<String, String> le(String bucket) {
        return Map.of("route", "metered", "le", bucket);
    }

    private static List<String> ids(String prefix, int n) {
        long run = System.nanoTime();
        return IntStream.range(0, n).mapToObj(i -> prefix + "-" + i + "-" + run).toList();
    }

    /** One scrape of /q/metrics (Prometheus text format) and lookups of samples by name and labels. */
    private record Scrape(List<String> samples) {
        static Scrape now() {
            String body = given().get("/q/metrics").then().statusCode(200).extract().asString();
            return new Scrape(body.lines().filter(l -> !l.isBlank() && !l.startsWith("#")).toList());
        }

        /** Samples of exactly this name whose labels include these (among others). */
        private List<String> matching(String name, Map<String, String> labels) {
            return samples.stream()
                    .filter(l -> l.startsWith(name + "{") || l.startsWith(name + " "))
                    .filter(l -> labels.entrySet().stream().allMatch(e -> l.contains(e.getKey() + "=\"" + e.getValue() + "\"")))
                    .toList();
        }

        int count(String name, Map<String, String> labels) {
            return matching(name, labels).size();
        }

        /** The value of the one sample with this name and labels; fails if there is not exactly one. */
        double value(String name, Map<String, String> labels) {
            List<String> found = matching(name, labels);
            assertEquals(1, found.size(), () -> name + labels + " samples: " + found);
            String line = found.get(0);
            return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }

        /** The sum over every sample with this name and labels (0 if none). */
        double sum(String name, Map<String, String> labels) {
            return matching(name, labels).stream().mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                    .sum();
        }

        double delta(Scrape before, String name, Map<String, String> labels) {
            return sum(name, labels) - before.sum(name, labels);
        }

        List<String> grep(String part) {
            return samples.stream().filter(l -> l.contains(part)).toList();
        }
    }
}
