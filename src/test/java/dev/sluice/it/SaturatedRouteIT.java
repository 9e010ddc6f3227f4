package dev.sluice.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
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
 * A degraded route with a backlog beside a healthy route (packaged app, real broker, real sink).
 * Route a's dead-letter topic does not exist, and its target refuses every record (400): its
 * records are held unacked, each holding one of its 4 route permits, for as long as the topic is
 * missing; the records behind them wait for a route permit that does not come. Route b reads
 * another topic and answers at once.
 *
 * <p>Records waiting for a route permit used to hold a global in-flight permit each, counted
 * nowhere: within a second route a's backlog took all of {@code sluice.max-in-flight} and route b
 * delivered nothing more (its lag grew with every record produced). Now they count as waiting on
 * their partition, held back at {@code max-waiting-per-partition} (the rest staying in staging or
 * in Kafka), and park: their global permit goes back for one of {@code sluice.max-waiting}
 * parking slots. Route a reads 8 partitions x 16 waiting = 128 records, twice the global limit,
 * and the parking slots (96) are fewer than its waiters, so 32 keep their permits: route b still
 * keeps pace with a steady producer, requests on the wire stay within the global limit, and once
 * the dead-letter topic is created every record of route a is dead-lettered, none lost.
 */
class SaturatedRouteIT {
    private static final int BACKLOG = 4_000;
    private static final int PARTITIONS = 8;
    private static TestEnvironment env;

    @BeforeAll
    static void start() {
        env = TestEnvironment.withoutTopicAutoCreation();
        env.sink().on("/a", (id, attempt) -> TestSink.Reply.status(400))
                .on("/b", (id, attempt) -> TestSink.Reply.ok());
        try (Kafka kafka = new Kafka(env.bootstrap())) {
            kafka.createTopic("sat.a", PARTITIONS);
            kafka.createTopic("sat.b", 2);
            kafka.createTopic("sat.b.dlq", 1);
        }
    }

    @AfterAll
    static void stop() {
        env.close();
    }

    @Test
    void aDegradedRouteWithABacklogDoesNotSlowAHealthyRoute() throws Exception {
        Map<String, String> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", env.bootstrap());
        config.put("sluice.max-in-flight", "64");
        // a's 8 partitions x 16 waiting = 128 records, more than the 64 global permits; 96 of them park
        config.put("sluice.max-waiting-per-partition", "16");
        config.put("sluice.max-waiting", "96");
        config.put("sluice.dead-letter.create-topics", "false");
        config.put("sluice.dead-letter.retry-initial-backoff", "200ms");
        config.put("sluice.dead-letter.retry-max-backoff", "1s");
        config.put("sluice.health.stuck-after", "8s");
        env.route(config, "a", "sat.a", "/a", 4);
        config.put("sluice.routes.a.dead-letter-topic", "sat.a.dlq");
        env.route(config, "b", "sat.b", "/b", 16);
        config.put("sluice.routes.b.dead-letter-topic", "sat.b.dlq");
        for (String r : List.of("a", "b")) {
            config.put("sluice.routes." + r + ".timeout", "2s");
            config.put("sluice.routes." + r + ".retry.max-backoff", "1s");
        }
        config.put(Channels.DEAD_LETTER_PROPERTIES + "max.block.ms", "1000");
        try (SluiceProcess app = SluiceProcess.start("saturated-route", config, List.of("-Xmx256m"));
                Kafka kafka = new Kafka(env.bootstrap())) {
            app.awaitReady(Duration.ofSeconds(60));

            // route a's backlog: every permit of a held, everything behind waits for one
            List<String> aIds = IntStream.range(0, BACKLOG).mapToObj(i -> "a-" + i).toList();
            kafka.sendAll("sat.a", aIds);
            await().atMost(Duration.ofSeconds(30)).until(() -> SluiceProcess.routeStatus(app.status(), "a").path("deadLetterHeld").asInt() == 4);
            JsonNode saturated = app.status();
            System.out.printf("aDegradedRouteWithABacklogDoesNotSlowAHealthyRoute: route a saturated: %s%n", saturated);

            // a steady producer on b, 50 records every 500 ms for 10 s: b must keep pace
            int perTick = 50;
            int ticks = 20;
            List<String> bIds = new ArrayList<>();
            AtomicInteger worstLag = new AtomicInteger();
            long started = System.nanoTime();
            for (int t = 0; t < ticks; t++) {
                int base = bIds.size();
                List<String> batch = IntStream.range(0, perTick).mapToObj(i -> "b-" + (base + i)).toList();
                bIds.addAll(batch);
                kafka.sendAll("sat.b", batch);
                long next = started + (t + 1) * 500_000_000L;
                // the lag sampled every 50 ms until the next batch is due
                await().pollInterval(Duration.ofMillis(50)).atMost(Duration.ofSeconds(2)).until(() -> {
                    worstLag.accumulateAndGet(env.sink().missing("/b", bIds).size(), Math::max);
                    return System.nanoTime() >= next;
                });
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> env.sink().missing("/b", bIds).isEmpty());
            double seconds = (System.nanoTime() - started) / 1e9;
            System.out.printf("aDegradedRouteWithABacklogDoesNotSlowAHealthyRoute: route b delivered %d records in %.1f s "
                    + "beside saturated route a; worst lag %d records (produced %d per 500 ms)%n", bIds.size(), seconds,
                    worstLag.get(), perTick);
            // two ticks' worth: b's records wait for nothing but the sink and one poll
            assertTrue(worstLag.get() <= 2 * perTick, "route b fell behind by " + worstLag.get() + " records while a was saturated");
            assertEquals(200, app.get("/q/health/live"));
            JsonNode during = app.status();
            assertTrue(during.path("parked").asInt() > 0, "route a's waiting records gave back their permits: " + during);
            int holdingPermits = during.path("inFlight").asInt() - during.path("parked").asInt();
            // a's 4 held records, its waiters beyond the 96 parking slots (with some slack for the
            // records started as the partition reached its bound), and b's 16 at most
            assertTrue(holdingPermits <= 4 + (PARTITIONS * 16 - 96) + 8 + 16, "route a holds its share only: " + during);
            assertTrue(during.path("requestsInFlight").asInt() <= 64, "requests on the wire within the global limit: " + during);

            // the operator creates the topic: every record of a is dead-lettered, none lost, all committed
            kafka.createTopic("sat.a.dlq", 1);
            List<ConsumerRecord<byte[], byte[]>> dead = kafka.read("sat.a.dlq", BACKLOG, Duration.ofSeconds(90));
            Set<String> deadIds = new HashSet<>();
            dead.forEach(r -> deadIds.add(Kafka.value(r)));
            assertEquals(new HashSet<>(aIds), deadIds, "every record of route a dead-lettered");
            await().atMost(Duration.ofSeconds(30)).until(() -> IntStream.range(0, PARTITIONS)
                    .mapToLong(p -> kafka.committed("sluice", "sat.a", p).orElse(0)).sum() == BACKLOG);
        }
    }

}
