package dev.sluice.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

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
 * {@code rate-limit.scope=group} against a real broker with two packaged replicas in one consumer
 * group: the endpoint sees the configured rate however many replicas run. With both up each holds
 * half of the partitions and sends at half the rate; after one leaves (SIGTERM) the other holds
 * them all and sends at the whole rate. In any second the sink sees at most per-second + burst,
 * and at least 80 % of per-second (so neither replica is held below its share). A limit per
 * replica would let two replicas send twice the rate, which the busiest second would show.
 */
class GroupRateLimitIT {
    private static final String TOPIC = "group-rate.orders";
    private static final int PARTITIONS = 4;
    private static final int RATE = 100;
    private static final int BURST = 10;
    /** At the rate, a backlog that outlasts both phases (about 40 s at 100/s). */
    private static final int EVENTS = 4_000;
    /**
     * The window measured at the sink: a second less 50 ms, as in RateLimitIT: tokens leave at most
     * per-second + burst a second, requests reach the sink with a latency that varies.
     */
    private static final long SECOND = TimeUnit.MILLISECONDS.toNanos(950);
    private static final Duration PHASE = Duration.ofSeconds(6);
    private static TestEnvironment env;

    @BeforeAll
    static void start() {
        env = TestEnvironment.start(Map.of());
        env.sink().on("/a", (id, attempt) -> TestSink.Reply.ok(5)).on("/b", (id, attempt) -> TestSink.Reply.ok(5));
        try (Kafka kafka = new Kafka(env.bootstrap())) {
            kafka.createTopic(TOPIC, PARTITIONS);
            List<Map.Entry<String, String>> records = new ArrayList<>();
            for (int i = 0; i < EVENTS; i++) {
                records.add(Map.entry("key-" + (i % 100), "event-" + i));
            }
            kafka.sendKeyed(TOPIC, records);
        }
    }

    @AfterAll
    static void stop() {
        env.close();
    }

    /** A replica delivering to its own path (and so with its own config topic), so the sink tells them apart. */
    private static Map<String, String> replica(String path) {
        Map<String, String> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", env.bootstrap());
        env.route(config, "orders", TOPIC, path, 16);
        config.put("sluice.config-topic", "sluice-config" + path.replace('/', '-'));
        config.put("sluice.routes.orders.ordering", "none");
        config.put("sluice.routes.orders.rate-limit.per-second", String.valueOf(RATE));
        config.put("sluice.routes.orders.rate-limit.burst", String.valueOf(BURST));
        config.put("sluice.routes.orders.rate-limit.scope", "group");
        config.put(Channels.INTAKE_PROPERTIES + "session.timeout.ms", "6000");
        return config;
    }

    /** This replica's share as its status shows it: partitions held, of how many. */
    private static String share(SluiceProcess p) {
        JsonNode share = SluiceProcess.routeStatus(p.status(), "orders").path("rateLimit").path("share");
        return share.path("partitions").asInt() + "/" + share.path("of").asInt();
    }

    @Test
    void theSinkSeesTheGroupsRateWithTwoReplicasAndAfterOneLeaves() {
        List<TestSink.PathStats> stats = List.of(env.sink().stats("/a"), env.sink().stats("/b"));
        try (SluiceProcess a = SluiceProcess.start("group-rate-a", replica("/a"), List.of("-Xmx256m"));
                SluiceProcess b = SluiceProcess.start("group-rate-b", replica("/b"), List.of("-Xmx256m"))) {
            a.awaitReady(Duration.ofSeconds(90));
            b.awaitReady(Duration.ofSeconds(90));
            await().atMost(Duration.ofSeconds(60)).until(() -> share(a).equals("2/4") && share(b).equals("2/4"));
            assertEquals(50.0, SluiceProcess.routeStatus(a.status(), "orders").path("rateLimit").path("share")
                    .path("perSecond").asDouble(), "half the partitions: half the rate");
            // b has just started cold: measured once it has sent a few seconds' worth at its share
            int bBefore = stats.get(1).requests();
            await().atMost(Duration.ofSeconds(60)).until(() -> stats.get(1).requests() - bBefore >= 150);
            Window both = measure(stats);

            assertEquals(0, b.terminate(Duration.ofSeconds(30)));
            await().atMost(Duration.ofSeconds(60)).until(() -> share(a).equals("4/4"));
            Window alone = measure(stats);

            System.out.printf("theSinkSeesTheGroupsRateWithTwoReplicasAndAfterOneLeaves: group-wide %d/s, burst %d; "
                    + "two replicas: %.1f/s (a %d, b %d requests), busiest 950 ms %d; one after the other left: %.1f/s (a %d), "
                    + "busiest 950 ms %d%n", RATE, BURST, both.rate(), both.requests().get(0), both.requests().get(1),
                    both.busiest(), alone.rate(), alone.requests().get(0), alone.busiest());
            for (Window w : List.of(both, alone)) {
                assertTrue(w.busiest() <= RATE + BURST, "a second held more than per-second + burst: " + w);
                assertTrue(w.rate() >= 0.8 * RATE, "the replicas together sent well below the rate: " + w);
            }
            assertTrue(stats.get(0).acceptedCount() + stats.get(1).acceptedCount() < EVENTS, "the backlog outlasted both phases");
        }
    }

    /**
     * Requests per second at the sink from both replicas together, the busiest 950 ms window, and
     * the requests of each replica, over one phase, after a second to settle.
     */
    private static Window measure(List<TestSink.PathStats> stats) {
        long settled = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        await().atMost(Duration.ofSeconds(2)).until(() -> System.nanoTime() >= settled);
        long from = System.nanoTime();
        await().atMost(PHASE.plusSeconds(1)).until(() -> System.nanoTime() - from >= PHASE.toNanos());
        long to = System.nanoTime();
        List<Integer> each = new ArrayList<>();
        List<Long> arrivals = new ArrayList<>();
        for (TestSink.PathStats s : stats) {
            List<Long> mine = s.requestArrivals().stream().filter(t -> t >= from && t < to).toList();
            each.add(mine.size());
            arrivals.addAll(mine);
        }
        arrivals.sort(null);
        int busiest = 0;
        for (int i = 0, j = 0; i < arrivals.size(); i++) {
            while (arrivals.get(i) - arrivals.get(j) >= SECOND) {
                j++;
            }
            busiest = Math.max(busiest, i - j + 1);
        }
        double seconds = (to - from) / 1e9;
        return new Window(arrivals.size() / seconds, busiest, each);
    }

    private record Window(double rate, int busiest, List<Integer> requests) {
    }
}
