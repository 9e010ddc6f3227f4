package dev.sluice.it;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.sluice.testing.FlowTestResource;
import dev.sluice.testing.Kafka;
import dev.sluice.testing.TestSink;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

/**
 * Rate limits against a real broker and sink: every 1 s window of requests at the sink holds at
 * most per-second + burst of them, retries included; every event arrives; a backlog runs at the
 * configured rate; the burst is there after a quiet spell; a rate changed through the admin API
 * applies within a second.
 */
@QuarkusTest
@QuarkusTestResource(value = FlowTestResource.class, restrictToAnnotatedClass = true)
class RateLimitIT {
    /**
     * The window measured at the sink: a second less 50 ms. Tokens leave Sluice at most
     * per-second + burst a second, but requests reach the sink with a latency that varies (a new
     * connection against a pooled one), so a full second at the sink once caught one more (61 for
     * 50/s + 10). A 950 ms window holds at most burst + 0.95 x rate tokens' worth (57.5 here),
     * leaving that jitter room, while a limiter letting through even 10 % too many still fails.
     */
    private static final long SECOND = TimeUnit.MILLISECONDS.toNanos(950);
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** Index of the first arrival of the 1 s window (half-open, starting at an arrival) that holds the most arrivals. */
    private static int busiestSecondFrom(List<Long> arrivals) {
        int most = 0;
        int from = 0;
        for (int i = 0, j = 0; i < arrivals.size(); i++) {
            while (arrivals.get(i) - arrivals.get(j) >= SECOND) {
                j++;
            }
            if (i - j + 1 > most) {
                most = i - j + 1;
                from = j;
            }
        }
        return from;
    }

    private static int inSecondFrom(List<Long> arrivals, int from) {
        return (int) arrivals.stream().filter(t -> t >= arrivals.get(from) && t < arrivals.get(from) + SECOND).count();
    }

    private static JsonPath route(String name) {
        return new JsonPath(given().get("/admin/status").then().statusCode(200).extract().asString())
                .setRootPath("routes.find { it.name == '" + name + "' }");
    }

    /**
     * 400 events with a backlog from the start (the bucket starts empty), then, after a quiet
     * spell that fills the bucket, 100 more: the burst goes at once, then the rate again.
     */
    @Test
    void everySecondHoldsAtMostRatePlusBurstRetriesIncludedAndEveryEventArrives() {
        int rate = FlowTestResource.RATE;
        int burst = FlowTestResource.BURST;
        // every 10th event is refused once with 503: its retry needs a token too
        List<String> ids = IntStream.range(0, 400).mapToObj(i -> (i % 10 == 0 ? "retry-" : "") + "rated-" + i).toList();
        List<String> later = IntStream.range(0, 100).mapToObj(i -> "rated-later-" + i).toList();
        TestSink.PathStats stats = FlowTestResource.sink().stats("/rated");
        List<Integer> waiting = new ArrayList<>();
        List<Integer> inFlight = new ArrayList<>();
        long laterSent;
        try (Kafka kafka = new Kafka(FlowTestResource.bootstrap())) {
            kafka.sendAll("it.rated", ids);
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
                JsonPath status = route("rated");
                waiting.add(status.getInt("rateLimit.waiting"));
                inFlight.add(status.getInt("inFlight"));
                return FlowTestResource.sink().missing("/rated", ids).isEmpty();
            });
            // a quiet spell, checked rather than slept: nothing more arrives, and the bucket fills (burst / rate = 200 ms)
            await().during(Duration.ofMillis(400)).atMost(Duration.ofSeconds(2)).until(() -> stats.requests() == 440);
            laterSent = System.nanoTime();
            kafka.sendAll("it.rated", later);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> FlowTestResource.sink().missing("/rated", later).isEmpty());

        List<Long> arrivals = stats.requestArrivals().stream().sorted().toList();
        List<Long> backlog = arrivals.stream().filter(t -> t < laterSent).toList();
        List<Long> afterQuiet = arrivals.stream().filter(t -> t >= laterSent).toList();
        // The first requests after startup load the HTTP client's classes and open its connections:
        // they reach the sink tens of ms late, which squeezes the start of the run into a shorter span
        // at the sink than at Sluice (62 in a window once). The bounds are checked from the second
        // second on, and on the burst after the quiet spell, where the client is warm.
        long warm = backlog.get(0) + TimeUnit.SECONDS.toNanos(1);
        List<Long> checked = arrivals.stream().filter(t -> t >= warm).toList();
        List<Long> steady = backlog.stream().filter(t -> t >= warm).toList();
        double steadySeconds = (steady.get(steady.size() - 1) - steady.get(0)) / 1e9;
        int from = busiestSecondFrom(checked);
        int busiest = inSecondFrom(checked, from);
        double seconds = (backlog.get(backlog.size() - 1) - backlog.get(0)) / 1e9;
        double mean = (backlog.size() - 1) / seconds;
        double burstMs = (afterQuiet.get(burst - 1) - afterQuiet.get(0)) / 1e6;
        int mostWaiting = waiting.stream().mapToInt(Integer::intValue).max().orElseThrow();
        String figures = String.format("rate limit %d/s burst %d: %d requests for %d events over %.2f s, %.1f/s on average; "
                + "after a quiet spell the first %d of %d more arrived within %.0f ms; busiest second of all %d requests "
                + "(from +%d ms); up to %d attempts waiting for a token, %d in flight",
                rate, burst, backlog.size(), ids.size(), seconds, mean, burst, later.size(), burstMs, busiest,
                (checked.get(from) - arrivals.get(0)) / 1_000_000, mostWaiting,
                inFlight.stream().mapToInt(Integer::intValue).max().orElseThrow());
        System.out.println(figures);
        assertEquals(440, backlog.size(), "each event once, the 40 refused ones twice: " + figures);
        assertEquals(100, afterQuiet.size(), figures);
        assertTrue(busiest <= rate + burst, "a second held more than per-second + burst requests: " + figures);
        // a backlog runs at the rate: timers that fire late only lower it, and over a span it never
        // gets more than the bucket's tokens, burst + rate x span (one more for the sink's jitter). The
        // former bound, a mean of at most rate + 1, ignored the full bucket at the start: 51.0x/s
        // against 51 failed once in a clean-clone run
        assertTrue(mean >= 0.85 * rate, figures);
        assertTrue(steady.size() - 1 <= burst + rate * steadySeconds + 1, "more than the bucket's tokens: " + figures);
        assertTrue(burstMs < 1000.0 / rate * burst / 2, "the burst went out at once: " + figures);
        assertTrue(mostWaiting > 0 && mostWaiting <= 64, "waiters are bounded by the route's limit: " + figures);
    }

    @Test
    void aRateSetThroughTheAdminApiAppliesWithinASecond() throws Exception {
        TestSink.PathStats stats = FlowTestResource.sink().stats("/paced");
        ObjectNode config = (ObjectNode) MAPPER.readTree(given().header("Authorization", "Bearer " + FlowTestResource.TOKEN).get("/admin/config").then().statusCode(200).extract().asString())
                .get("config");
        ObjectNode paced = null;
        for (var r : config.get("routes")) {
            if (r.get("name").asText().equals("paced")) {
                paced = (ObjectNode) r;
            }
        }
        paced.putObject("rate-limit").put("per-second", 20).put("burst", 5);
        put(config);
        assertEquals(20, route("paced").getInt("rateLimit.perSecond"));

        List<String> ids = IntStream.range(0, 600).mapToObj(i -> "paced-" + i).toList();
        try (Kafka kafka = new Kafka(FlowTestResource.bootstrap())) {
            kafka.sendAll("it.paced", ids);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> stats.requests() >= 45);
        int slow = perSecondNow(stats);

        paced.putObject("rate-limit").put("per-second", 200).put("burst", 5);
        long changed = System.nanoTime();
        put(config);
        await().atMost(Duration.ofSeconds(20)).until(() -> stats.acceptedCount() >= ids.size());
        List<Long> after = stats.requestArrivals().stream().filter(t -> t >= changed + SECOND).sorted().toList();
        double fast = after.size() < 2 ? 0 : (after.size() - 1) / ((after.get(after.size() - 1) - after.get(0)) / 1e9);

        paced.putObject("rate-limit").put("per-second", 0);
        put(config);
        System.out.printf("rate changed live: %d requests in the second before the change at 20/s, %.0f/s from 1 s after "
                + "the change to 200/s%n", slow, fast);
        assertTrue(slow <= 25, "at 20/s burst 5: " + slow + " in one second");
        assertTrue(fast >= 150 && fast <= 210, "at 200/s: " + fast + "/s");
        assertEquals(List.of(), FlowTestResource.sink().missing("/paced", ids));
    }

    /** Requests in the last second. */
    private static int perSecondNow(TestSink.PathStats stats) {
        long now = System.nanoTime();
        return (int) stats.requestArrivals().stream().filter(t -> t >= now - SECOND).count();
    }

    private static void put(ObjectNode config) throws Exception {
        given().header("Authorization", "Bearer " + FlowTestResource.TOKEN).contentType("application/json")
                .body(MAPPER.writeValueAsString(config)).put("/admin/config").then().statusCode(200);
    }
}
