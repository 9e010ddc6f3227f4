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
import java.util.Random;
import java.util.Set;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.config.Channels;
import dev.sluice.testing.Kafka;
import dev.sluice.testing.SluiceProcess;
import dev.sluice.testing.TestEnvironment;
import dev.sluice.testing.TestSink;

/**
 * Guarantee 1 under the harshest stop: the packaged app is killed with SIGKILL (no drain, no final
 * commit) at a random instant of a stream, four times, and restarted each time. Every event still
 * arrives; the duplicates that each restart redelivers are counted and printed. The instants come
 * from a seeded Random: {@code -Dcrash.seed=N} replays or varies them.
 */
class CrashRecoveryIT {
    private static final int EVENTS = 16000;
    private static final int KILLS = 4;
    /** Each kill comes this long after its run's first delivery: at least... */
    private static final int KILL_AFTER_MIN_MS = 100;
    /** ...and less than this (at most 1600 events/s reach the 10 ms sink: the stream outlasts the kills). */
    private static final int KILL_AFTER_MAX_MS = 2000;
    private static TestEnvironment env;
    private static TestSink sink;
    private static Kafka kafka;

    @BeforeAll
    static void start() {
        env = TestEnvironment.start(Map.of());
        sink = env.sink().on("/orders", (id, attempt) -> TestSink.Reply.ok(10));
        kafka = new Kafka(env.bootstrap());
        kafka.createTopic("crash.orders", 4);
    }

    @AfterAll
    static void stop() {
        kafka.close();
        env.close();
    }

    @Test
    void sigkillAtRandomInstantsLosesNothing() throws InterruptedException {
        long seed = Long.getLong("crash.seed", 20261124L);
        Random random = new Random(seed);
        List<String> ids = IntStream.range(0, EVENTS).mapToObj(i -> "crash-" + i).toList();
        kafka.sendAll("crash.orders", ids);
        Map<String, String> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", env.bootstrap());
        env.route(config, "orders", "crash.orders", "/orders", 16);
        config.put("sluice.max-in-flight", "64");
        // a SIGKILLed member stays in the group until its session times out (45 s by default), and
        // its partitions with it; the broker's minimum keeps each restart short
        config.put(Channels.INTAKE_PROPERTIES + "session.timeout.ms", "6000");
        config.put(Channels.INTAKE_PROPERTIES + "heartbeat.interval.ms", "1000");
        TestSink.PathStats orders = sink.stats("/orders");

        // where each run's deliveries begin in the sink's log: run k + 1 redelivers what kill k left uncommitted
        List<Integer> runStarts = new ArrayList<>();
        List<String> kills = new ArrayList<>();
        for (int kill = 1; kill <= KILLS; kill++) {
            int killAfterMs = KILL_AFTER_MIN_MS + random.nextInt(KILL_AFTER_MAX_MS - KILL_AFTER_MIN_MS);
            int runStart = orders.acceptedCount();
            runStarts.add(runStart);
            try (SluiceProcess app = SluiceProcess.start("crash-" + kill, config, List.of("-Xmx256m"))) {
                app.awaitReady(Duration.ofSeconds(60));
                await().atMost(Duration.ofSeconds(60)).until(() -> orders.acceptedCount() > runStart);
                // the kill instant itself is what the seed chooses: nothing is awaited here
                Thread.sleep(killAfterMs);
                app.kill();
            }
            int distinct = orders.accepted().size();
            kills.add(String.format("SIGKILL %d at %d ms into the flow, %d of %d events delivered", kill, killAfterMs,
                    distinct, EVENTS));
            assertTrue(distinct < EVENTS, "kill " + kill + " came after the stream had ended: make it longer");
        }
        runStarts.add(orders.acceptedCount());
        try (SluiceProcess app = SluiceProcess.start("crash-final", config, List.of("-Xmx256m"))) {
            app.awaitReady(Duration.ofSeconds(60));
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                    .until(() -> sink.missing("/orders", ids).isEmpty());
            assertEquals(0, app.terminate(Duration.ofSeconds(30)), "a drained stop after SIGTERM exits 0");
        }
        runStarts.add(orders.acceptedCount());

        List<String> log = orders.acceptedLog();
        Set<String> seen = new HashSet<>();
        int duplicates = 0;
        System.out.printf("sigkillAtRandomInstantsLosesNothing: seed %d%n", seed);
        for (int run = 0; run < runStarts.size() - 1; run++) {
            int redelivered = 0;
            for (String id : log.subList(runStarts.get(run), runStarts.get(run + 1))) {
                redelivered += seen.add(id) ? 0 : 1;
            }
            duplicates += redelivered;
            System.out.printf("  run %d%s: %d deliveries, %d duplicates (delivered by an earlier run); ended by %s%n", run + 1,
                    run == 0 ? "" : " (restart after SIGKILL " + run + ")", runStarts.get(run + 1) - runStarts.get(run),
                    redelivered, run < kills.size() ? kills.get(run) : "SIGTERM, exit 0");
        }
        System.out.printf("sigkillAtRandomInstantsLosesNothing: %d events, %d SIGKILLs, %d lost, %d deliveries, %d duplicates%n",
                EVENTS, KILLS, sink.missing("/orders", ids).size(), log.size(), duplicates);
        assertEquals(List.of(), sink.missing("/orders", ids));
    }
}
