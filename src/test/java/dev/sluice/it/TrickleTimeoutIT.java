package dev.sluice.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.LongSummaryStatistics;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.outcome.DeadLetterWriter;
import dev.sluice.testing.Kafka;
import dev.sluice.testing.SluiceProcess;
import dev.sluice.testing.TestEnvironment;
import dev.sluice.testing.TrickleServer;

/**
 * A route's timeout bounds the whole exchange and aborts it. The packaged app runs as a process
 * against a real broker and a target that answers one byte every 100 ms, in its headers on one
 * route and in its body on the other: so the connection is never idle, and an idle timeout never
 * fires. Each attempt must end after about the route's timeout with its connection closed; the
 * record goes on to its retry and then to the dead-letter topic; and the requests open at the
 * target never outnumber the route's max-in-flight, though Sluice gave up on every one of them.
 */
class TrickleTimeoutIT {
    private static final int MAX_IN_FLIGHT = 2;
    /** How late this machine's server may learn of a connection the client closed (see TrickleServer). */
    private static final long CLOSE_LAG_MS = 50;
    private static final int RECORDS = 6;
    private static final int ATTEMPTS = 2;
    private static final long TIMEOUT_MS = 1000;

    private static TestEnvironment env;
    private static TrickleServer target;

    @BeforeAll
    static void start() {
        env = TestEnvironment.start(Map.of());
        target = new TrickleServer(100);
        try (Kafka kafka = new Kafka(env.bootstrap())) {
            kafka.createTopic("trickle.headers", 1);
            kafka.createTopic("trickle.body", 1);
            kafka.createTopic("trickle.dlq", 1);
        }
    }

    @AfterAll
    static void stop() {
        target.close();
        env.close();
    }

    private static void route(Map<String, String> config, String name, String path) {
        String p = "sluice.routes." + name + ".";
        config.put(p + "topics", "trickle." + name);
        config.put(p + "target.url", target.url(path));
        config.put(p + "max-in-flight", String.valueOf(MAX_IN_FLIGHT));
        config.put(p + "ordering", "none");
        config.put(p + "timeout", TIMEOUT_MS + "ms");
        config.put(p + "retry.max-attempts", String.valueOf(ATTEMPTS));
        config.put(p + "retry.initial-backoff", "100ms");
        config.put(p + "retry.max-backoff", "200ms");
        config.put(p + "dead-letter-topic", "trickle.dlq");
    }

    @Test
    void aTrickledAnswerTimesOutAndIsAbortedWithinTheRouteLimit() {
        Map<String, String> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", env.bootstrap());
        route(config, "headers", "/in/slow-headers");
        route(config, "body", "/in/slow-body");
        List<String> headerIds = IntStream.range(0, RECORDS).mapToObj(i -> "h-" + i).toList();
        List<String> bodyIds = IntStream.range(0, RECORDS).mapToObj(i -> "b-" + i).toList();
        TrickleServer.PathStats headers = target.stats("/in/slow-headers");
        TrickleServer.PathStats body = target.stats("/in/slow-body");

        try (SluiceProcess app = SluiceProcess.start("trickle-timeout", config, List.of("-Xmx256m"));
                Kafka kafka = new Kafka(env.bootstrap())) {
            app.awaitReady(Duration.ofSeconds(60));
            kafka.sendAll("trickle.headers", headerIds);
            kafka.sendAll("trickle.body", bodyIds);

            // RECORDS / MAX_IN_FLIGHT waves of ATTEMPTS timeouts each, per route: about 6 s
            List<ConsumerRecord<byte[], byte[]>> dead = kafka.read("trickle.dlq", 2 * RECORDS, Duration.ofSeconds(90));
            // an abandoned request must not stay on the wire: its connection is closed with the timeout
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertEquals(0, headers.open() + body.open(),
                    "requests still open at the target: " + describe(headers, body)));
            String report = describe(headers, body);
            System.out.println("aTrickledAnswerTimesOutAndIsAbortedWithinTheRouteLimit: " + report);

            assertEquals(2 * RECORDS, dead.size(), "dead letters: " + report);
            for (ConsumerRecord<byte[], byte[]> r : dead) {
                assertEquals("timeout after " + TIMEOUT_MS + " ms", Kafka.header(r, DeadLetterWriter.REASON));
                assertEquals(String.valueOf(ATTEMPTS), Kafka.header(r, DeadLetterWriter.ATTEMPTS));
            }
            Set<String> deadIds = dead.stream().map(Kafka::value).collect(Collectors.toSet());
            assertEquals(Set.copyOf(concat(headerIds, bodyIds)), deadIds);
            check(headers, headerIds, report);
            check(body, bodyIds, report);
            assertEquals(0, app.terminate(Duration.ofSeconds(30)));
        }
    }

    private static void check(TrickleServer.PathStats path, List<String> ids, String report) {
        // every request has closed by now (awaited above), so the closed ones are all of them
        assertTrue(path.maxOpenAllowingCloseLag(CLOSE_LAG_MS) <= MAX_IN_FLIGHT, "requests open at the target at once, a close "
                + "counted up to " + CLOSE_LAG_MS + " ms before the server saw it: " + path.maxOpenAllowingCloseLag(CLOSE_LAG_MS)
                + "; " + report);
        ids.forEach(id -> assertEquals(ATTEMPTS, path.attempts(id), id + ": " + report));
        for (TrickleServer.Exchange e : path.closed()) {
            // open from its arrival, after the connect the attempt's clock already counts, to its abort
            assertTrue(e.openMs() <= TIMEOUT_MS + 500, e + " open " + e.openMs() + " ms: " + report);
        }
    }

    private static String describe(TrickleServer.PathStats headers, TrickleServer.PathStats body) {
        return describe("slow headers", headers) + "; " + describe("slow body", body);
    }

    private static String describe(String name, TrickleServer.PathStats path) {
        LongSummaryStatistics open = path.closed().stream().mapToLong(TrickleServer.Exchange::openMs).summaryStatistics();
        return String.format("%s: %d requests closed (open %d..%d ms), %d still open, at most %d open at once (max-in-flight %d)",
                name, open.getCount(), open.getCount() == 0 ? 0 : open.getMin(), open.getCount() == 0 ? 0 : open.getMax(),
                path.open(), path.maxOpen(), MAX_IN_FLIGHT);
    }

    private static List<String> concat(List<String> a, List<String> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }
}
