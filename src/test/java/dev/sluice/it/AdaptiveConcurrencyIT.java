package dev.sluice.it;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;

import dev.sluice.testing.FlowTestResource;
import dev.sluice.testing.Kafka;
import dev.sluice.testing.TestSink;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

/**
 * Adaptive concurrency finds a target's capacity: against a server that serves 40 requests at once
 * for 50 ms each and queues the rest, a route allowed up to 128 in flight settles its limit within
 * 20 % of 40, read from GET /admin/status while it runs; its throughput is compared with a route
 * fixed at exactly 40 against an identical server.
 */
@QuarkusTest
@QuarkusTestResource(value = FlowTestResource.class, restrictToAnnotatedClass = true)
class AdaptiveConcurrencyIT {
    private static final int FIXED_EVENTS = 4_000;
    private static final int ADAPTIVE_EVENTS = 10_000;

    private record Sample(long nanoTime, int limit, int atSink, int inService) {
    }

    private static List<String> ids(String prefix, int n) {
        return IntStream.range(0, n).mapToObj(i -> prefix + "-" + i).toList();
    }

    /** Deliveries per second between the 10th and the 90th percentile of arrivals (ramp-up and tail left out). */
    private static double throughput(TestSink.PathStats stats) {
        List<Long> arrivals = stats.arrivals().stream().map(TestSink.Arrival::nanoTime).sorted().toList();
        int from = arrivals.size() / 10;
        int to = arrivals.size() * 9 / 10;
        return (to - from) / ((arrivals.get(to) - arrivals.get(from)) / 1e9);
    }

    /** Deliveries per second from {@code since} to the last arrival before {@code until}. */
    private static double throughput(TestSink.PathStats stats, long since, long until) {
        List<Long> arrivals = stats.arrivals().stream().map(TestSink.Arrival::nanoTime).filter(t -> t >= since && t < until)
                .sorted().toList();
        return arrivals.size() < 2 ? 0 : (arrivals.size() - 1) / ((arrivals.get(arrivals.size() - 1) - arrivals.get(0)) / 1e9);
    }

    @Test
    void theLimitSettlesWithinTwentyPercentOfTheTargetsCapacity() {
        TestSink sink = FlowTestResource.sink();
        List<String> fixed = ids("fixed", FIXED_EVENTS);
        List<String> adaptive = ids("adaptive", ADAPTIVE_EVENTS);
        try (Kafka kafka = new Kafka(FlowTestResource.bootstrap())) {
            // one route at a time: the two runs must not compete for the machine's two cores
            kafka.sendAll("it.fixed40", fixed);
            // 5 s of work at 800/s; the bound is generous because a loaded CI machine can be slow
            // to assign the partitions (the rates compared are measured from arrivals, not from here)
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                    .until(() -> sink.missing("/capacity-fixed", fixed).isEmpty());

            kafka.sendAll("it.adaptive", adaptive);
        }
        List<Sample> samples = new ArrayList<>();
        TestSink.PathStats stats = sink.stats("/capacity");
        String[] lastStatus = {""};
        try {
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100)).until(() -> {
                String body = given().get("/admin/status").then().statusCode(200).extract().asString();
                lastStatus[0] = body;
                JsonPath status = new JsonPath(body);
                samples.add(new Sample(System.nanoTime(), status.getInt("routes.find { it.name == 'adaptive' }.limit"),
                        stats.currentConcurrency(), stats.inService()));
                return stats.acceptedCount() >= ADAPTIVE_EVENTS;
            });
        } catch (ConditionTimeoutException e) {
            // say where it stood: a stuck limit, a stuck intake or a slow machine read differently
            fail(String.format("%d of %d accepted at the sink after 120 s; limit trace %s; last status %s",
                    stats.acceptedCount(), ADAPTIVE_EVENTS, samples.stream().map(s -> s.limit() + "/" + s.atSink()).toList(),
                    lastStatus[0]), e);
        }
        assertEquals(List.of(), sink.missing("/capacity", adaptive), "every event delivered");

        // settled: the second half of the run
        long start = samples.get(0).nanoTime();
        long end = samples.get(samples.size() - 1).nanoTime();
        List<Sample> settled = samples.stream().filter(s -> s.nanoTime() >= start + (end - start) / 2).toList();
        double limit = settled.stream().mapToInt(Sample::limit).average().orElseThrow();
        int lowest = settled.stream().mapToInt(Sample::limit).min().orElseThrow();
        int highest = settled.stream().mapToInt(Sample::limit).max().orElseThrow();
        double atSink = settled.stream().mapToInt(Sample::atSink).average().orElseThrow();
        double inService = settled.stream().mapToInt(Sample::inService).average().orElseThrow();
        double adaptiveRate = throughput(stats);
        double settledRate = throughput(stats, settled.get(0).nanoTime(), end);
        double fixedRate = throughput(sink.stats("/capacity-fixed"));
        String figures = String.format("adaptive concurrency against %d x %d ms (queueing): settled limit %.1f (min %d, max %d, "
                + "%d samples over the last %.1f s), at the sink %.1f (%.1f in service); throughput %.0f/s adaptive "
                + "(%.0f/s settled) vs %.0f/s fixed at %d: %.0f %% (%.0f %% settled); limit trace %s",
                FlowTestResource.CAPACITY, FlowTestResource.SERVICE_MS, limit, lowest, highest, settled.size(),
                (end - start) / 2e9, atSink, inService, adaptiveRate, settledRate, fixedRate, FlowTestResource.CAPACITY,
                100 * adaptiveRate / fixedRate, 100 * settledRate / fixedRate,
                samples.stream().map(s -> String.valueOf(s.limit())).toList());
        System.out.println(figures);
        assertTrue(limit >= 32 && limit <= 48, "settled limit not within 20 % of 40: " + figures);
    }
}
