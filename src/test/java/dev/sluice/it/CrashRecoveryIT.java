package dev.sluice.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.testing.TestEnvironment;
import dev.sluice.testing.Kafka;
import dev.sluice.testing.SluiceProcess;
import dev.sluice.testing.TestSink;

/**
 * Guarantee 1 under the harshest stop: the packaged app is killed with SIGKILL in the middle of a
 * stream (no drain, no final commit), twice, and restarted. Every event still arrives; the
 * duplicates that redelivery costs are counted and printed.
 */
class CrashRecoveryIT {
    private static final int EVENTS = 6000;
    private static TestEnvironment env;
    private static TestSink sink;
    private static Kafka kafka;

    @BeforeAll
    static void start() {
        env = TestEnvironment.start(Map.of());
        sink = env.sink().on("/orders", (id, attempt) -> TestSink.Reply.ok(5));
        kafka = new Kafka(env.bootstrap());
        kafka.createTopic("crash.orders", 4);
    }

    @AfterAll
    static void stop() {
        kafka.close();
        env.close();
    }

    @Test
    void sigkillMidStreamLosesNothing() {
        List<String> ids = IntStream.range(0, EVENTS).mapToObj(i -> "crash-" + i).toList();
        kafka.sendAll("crash.orders", ids);
        Map<String, String> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", env.bootstrap());
        env.route(config, "orders", "crash.orders", "/orders", 32);
        config.put("sluice.max-in-flight", "64");
        // a SIGKILLed member stays in the group until its session times out (45 s by default);
        // the broker's minimum keeps the test short
        config.put("mp.messaging.incoming.sluice-in.session.timeout.ms", "6000");
        config.put("mp.messaging.incoming.sluice-in.heartbeat.interval.ms", "1000");

        int[] killAt = { EVENTS / 4, EVENTS / 2 };
        for (int round = 0; round < killAt.length; round++) {
            int threshold = killAt[round];
            try (SluiceProcess app = SluiceProcess.start("crash-" + round, config, List.of("-Xmx256m"))) {
                app.awaitReady(Duration.ofSeconds(60));
                await().atMost(Duration.ofSeconds(60)).until(() -> sink.stats("/orders").accepted().size() >= threshold);
                app.kill();
            }
            System.out.printf("round %d: SIGKILL after %d distinct events delivered%n", round + 1,
                    sink.stats("/orders").accepted().size());
        }
        try (SluiceProcess app = SluiceProcess.start("crash-final", config, List.of("-Xmx256m"))) {
            app.awaitReady(Duration.ofSeconds(60));
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250))
                    .until(() -> sink.missing("/orders", ids).isEmpty());
            assertEquals(0, app.terminate(Duration.ofSeconds(30)), "a drained stop after SIGTERM exits 0");
        }
        int deliveries = sink.stats("/orders").acceptedCount();
        System.out.printf("sigkillMidStreamLosesNothing: %d events, 2 SIGKILLs, %d lost, %d deliveries, %d duplicates%n",
                EVENTS, sink.missing("/orders", ids).size(), deliveries, deliveries - EVENTS);
        assertEquals(List.of(), sink.missing("/orders", ids));
    }
}
