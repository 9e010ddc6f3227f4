package dev.sluice.it;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.testing.Kafka;
import dev.sluice.testing.MetricsTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * /q/metrics in Prometheus format, scraped like Prometheus would, against a real broker and
 * sink (see {@link MetricsTestResource}). Counters are compared before and after the traffic
 * each test sends itself.
 */
@QuarkusTest
@QuarkusTestResource(value = MetricsTestResource.class, restrictToAnnotatedClass = true)
class MetricsIT {
    private static final Map<String, String> METERED = Map.of("route", "metered");
    private static Kafka kafka;

    @BeforeAll
    static void clients() {
        kafka = new Kafka(MetricsTestResource.env().bootstrap());
    }

    @AfterAll
    static void closeClients() {
        kafka.close();
    }

    /** 10 delivered at once, 2 delivered after one retry, 3 dead-lettered: every meter moves by exactly that. */
    @Test
    void countersAndTimersMoveByTheTrafficOfARoute() {
        Scrape before = Scrape.now();
        kafka.sendAll("it.metered", ids("ok", 10));
        kafka.sendAll("it.metered", ids("retry", 2));
        kafka.sendAll("it.metered", ids("bad", 3));

        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
            Scrape s = Scrape.now();
            return s.delta(before, "sluice_deliveries_total", outcome("delivered")) >= 12
                    && s.delta(before, "sluice_deliveries_total", outcome("dead_lettered")) >= 3;
        });
        Scrape after = Scrape.now();
        assertEquals(12, after.delta(before, "sluice_deliveries_total", outcome("delivered")));
        assertEquals(3, after.delta(before, "sluice_deliveries_total", outcome("dead_lettered")));
        assertEquals(0, after.delta(before, "sluice_deliveries_total", outcome("failed")));
        assertEquals(2, after.delta(before, "sluice_retries_total", METERED));
        assertEquals(15, after.delta(before, "sluice_records_consumed_total", Map.of("topic", "it.metered")));
        // one attempt each, two for the retried ones
        assertEquals(17, after.delta(before, "sluice_delivery_duration_seconds_count", METERED));
        assertTrue(after.delta(before, "sluice_delivery_duration_seconds_sum", METERED) > 0);
        assertEquals(17, after.value("sluice_delivery_duration_seconds_bucket", Map.of("route", "metered", "le", "+Inf"))
                - before.valueOrZero("sluice_delivery_duration_seconds_bucket", Map.of("route", "metered", "le", "+Inf")));
        assertTrue(after.count("sluice_delivery_duration_seconds_bucket", METERED) > 10,
                "percentile histogram buckets are published");
        assertEquals(12, after.delta(before, "sluice_end_to_end_seconds_count", METERED));
    }

    /** Global and per-route gauges exist with their values; idle after the traffic, nothing is in flight. */
    @Test
    void gaugesShowLimitsAndInFlight() {
        List<String> sent = ids("gauge", 5);
        kafka.sendAll("it.metered", sent);
        await().atMost(Duration.ofSeconds(30)).until(() -> MetricsTestResource.env().sink().missing("/metered", sent).isEmpty());
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            Scrape s = Scrape.now();
            assertEquals(0, s.value("sluice_in_flight", METERED));
            assertEquals(8, s.value("sluice_in_flight_limit", METERED));
            assertEquals(0, s.value("sluice_records_in_flight", Map.of()));
            assertEquals(32, s.value("sluice_records_in_flight_limit", Map.of()));
            assertEquals(configVersion(), s.value("sluice_config_version", Map.of()));
        });
    }

    /**
     * The Kafka client's own metrics are bound: the consumer's lag per partition of a route's
     * topic. Micrometer's Kafka binder picks up metrics the client creates after startup (the
     * per-partition ones appear with the first fetch) only on its refresh, once a minute.
     */
    @Test
    void consumerLagPerPartitionIsExposed() {
        kafka.sendAll("it.metered", ids("lag", 4));
        long start = System.nanoTime();
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            Scrape s = Scrape.now();
            for (String partition : List.of("0", "1")) {
                assertEquals(1, s.count("kafka_consumer_fetch_manager_records_lag",
                        Map.of("client_id", "kafka-consumer-sluice-in", "topic", "it.metered", "partition", partition)),
                        () -> "no lag metric for it.metered-" + partition + " in:\n" + s.grep("records_lag"));
            }
        });
        System.out.printf("consumerLagPerPartitionIsExposed: after %d s:%n%s%n", (System.nanoTime() - start) / 1_000_000_000,
                Scrape.now().grep("records_lag"));
    }

    /** A route added at run time gets gauges; removed, they go; added back, they return (no duplicate error). */
    @Test
    void routeGaugesFollowLiveConfigChanges() {
        Map<String, String> extra = Map.of("route", "extra");
        putConfig(true);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            Scrape s = Scrape.now();
            assertEquals(5, s.value("sluice_in_flight_limit", extra));
            assertEquals(0, s.value("sluice_in_flight", extra));
            assertEquals(configVersion(), s.value("sluice_config_version", Map.of()));
        });
        putConfig(false);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            Scrape s = Scrape.now();
            assertFalse(s.has("sluice_in_flight_limit", extra), "gauge of a removed route");
            assertFalse(s.has("sluice_in_flight", extra), "gauge of a removed route");
            assertEquals(8, s.value("sluice_in_flight_limit", METERED));
        });
        putConfig(true);
        kafka.sendAll("it.extra", ids("extra", 3));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            Scrape s = Scrape.now();
            assertEquals(5, s.value("sluice_in_flight_limit", extra));
            assertEquals(3, s.valueOrZero("sluice_deliveries_total", Map.of("route", "extra", "outcome", "delivered")));
        });
        putConfig(false);
    }

    private static void putConfig(boolean withExtra) {
        String url = MetricsTestResource.env().sink().url("/metered");
        String metered = "{\"name\":\"metered\",\"topics\":[\"it.metered\"],\"target\":{\"url\":\"" + url
                + "\"},\"max-in-flight\":8,\"dead-letter-topic\":\"it.metered.dlq\",\"retry\":{\"initial-backoff\":\"10ms\"}}";
        String extra = ",{\"name\":\"extra\",\"topics\":[\"it.extra\"],\"target\":{\"url\":\""
                + MetricsTestResource.env().sink().url("/extra") + "\"},\"max-in-flight\":5}";
        given().header("Authorization", "Bearer " + MetricsTestResource.TOKEN).contentType("application/json")
                .body("{\"max-in-flight\":32,\"routes\":[" + metered + (withExtra ? extra : "") + "]}")
                .put("/admin/config").then().statusCode(200);
    }

    private static double configVersion() {
        return given().get("/admin/config").then().statusCode(200).extract().jsonPath().getLong("version");
    }

    private static Map<String, String> outcome(String outcome) {
        return Map.of("route", "metered", "outcome", outcome);
    }

    private static List<String> ids(String prefix, int n) {
        return IntStream.range(0, n).mapToObj(i -> prefix + "-" + i + "-" + System.nanoTime()).toList();
    }

    /** One scrape of /q/metrics (Prometheus text format) and lookups of samples by name and labels. */
    private record Scrape(List<String> samples) {
        static Scrape now() {
            String body = given().get("/q/metrics").then().statusCode(200).extract().asString();
            return new Scrape(body.lines().filter(l -> !l.isBlank() && !l.startsWith("#")).toList());
        }

        private List<String> matching(String name, Map<String, String> labels) {
            return samples.stream()
                    .filter(l -> l.startsWith(name + "{") || l.startsWith(name + " "))
                    .filter(l -> labels.entrySet().stream().allMatch(e -> l.contains(e.getKey() + "=\"" + e.getValue() + "\"")))
                    .toList();
        }

        int count(String name, Map<String, String> labels) {
            return matching(name, labels).size();
        }

        boolean has(String name, Map<String, String> labels) {
            return count(name, labels) > 0;
        }

        /** The value of the one sample with this name and these labels (among others); fails if not exactly one. */
        double value(String name, Map<String, String> labels) {
            List<String> found = matching(name, labels);
            assertEquals(1, found.size(), () -> name + labels + " samples: " + found);
            String line = found.get(0);
            return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }

        /** Counters appear with their first increment: absent counts as zero. */
        double valueOrZero(String name, Map<String, String> labels) {
            return has(name, labels) ? value(name, labels) : 0;
        }

        double delta(Scrape before, String name, Map<String, String> labels) {
            return valueOrZero(name, labels) - before.valueOrZero(name, labels);
        }

        String grep(String part) {
            return String.join("\n", samples.stream().filter(l -> l.contains(part)).toList());
        }
    }
}
