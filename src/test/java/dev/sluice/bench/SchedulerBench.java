package dev.sluice.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.devkafka.EmbeddedKafkaBroker;
import dev.sluice.testing.Kafka;
import dev.sluice.testing.SluiceProcess;

/**
 * The scheduler's cost, as ratios measured in one run of one Sluice process:
 *
 * <ol>
 * <li>unordered ({@code ordering=none}): steady throughput / (C / L), C = route and global
 * max-in-flight, L = the sink's latency. Little's law makes C / L the ceiling;</li>
 * <li>key mode over 10,000 keys on 4 partitions: throughput / unordered throughput;</li>
 * <li>partition mode, for contrast: one delivery per partition at a time, so about
 * partitions / L whatever C is.</li>
 * </ol>
 *
 * A backlog waits in Kafka before Sluice starts, so the producer takes no CPU while rates are
 * measured. Sluice warms up (the JIT compiles both the unordered and the keyed paths), then the
 * mode is switched at run time ({@code PUT /admin/config}) between measured windows, unordered and
 * key alternating, so both see the same neighbours' load on this shared machine; each switch is
 * followed by a settle period that is not measured. Nothing about speed is asserted: the figures
 * are printed with their targets and written to target/bench-results-scheduler.txt.
 *
 * <p>{@code ./mvnw -B -Pbench verify -Dit.test=SchedulerBench}; settings: -Dbench.latencyMs (20),
 * -Dbench.concurrency (256, route and global), -Dbench.globalConcurrency (the global limit alone), -Dbench.keys (10000), -Dbench.warmupSeconds (45),
 * -Dbench.windowSeconds (20), -Dbench.rounds (2), -Dbench.jfr=true to profile each window.
 */
class SchedulerBench {
    private static final long L_MS = Long.getLong("bench.latencyMs", 20);
    private static final int C = Integer.getInteger("bench.concurrency", 256);
    /** The global max-in-flight; C unless -Dbench.globalConcurrency says otherwise. */
    private static final int GLOBAL = Integer.getInteger("bench.globalConcurrency", C);
    private static final int KEYS = Integer.getInteger("bench.keys", 10_000);
    private static final int PARTITIONS = 4;
    private static final Duration WARMUP = Duration.ofSeconds(Long.getLong("bench.warmupSeconds", 45));
    private static final Duration WINDOW = Duration.ofSeconds(Long.getLong("bench.windowSeconds", 20));
    private static final Duration SETTLE = Duration.ofSeconds(5);
    private static final Duration PARTITION_WINDOW = Duration.ofSeconds(10);
    private static final int ROUNDS = Integer.getInteger("bench.rounds", 2);
    private static final List<String> APP_JVM_FLAGS = List.of("-Xmx512m");
    private static final String TOPIC = "bench.scheduler";

    private static EmbeddedKafkaBroker broker;
    private static BenchSink sink;
    private static Backlog.Fill fill;

    /** Records needed so the backlog outlasts every phase even at the ceiling C / L, plus 10 %. */
    private static long backlogSize() {
        double seconds = WARMUP.toSeconds() + ROUNDS * 2 * (SETTLE.toSeconds() + WINDOW.toSeconds())
                + SETTLE.toSeconds() + PARTITION_WINDOW.toSeconds();
        return Long.getLong("bench.events", (long) (1.1 * bound() * seconds));
    }

    private static double bound() {
        return C * 1000.0 / L_MS;
    }

    @BeforeAll
    static void start() {
        broker = EmbeddedKafkaBroker.start(Path.of("target", "bench-kafka-" + UUID.randomUUID()));
        sink = new BenchSink(L_MS);
        try (Kafka kafka = new Kafka(broker.bootstrapServers())) {
            kafka.createTopic(TOPIC, PARTITIONS);
        }
        Report.progress("filling the backlog: %,d records", backlogSize());
        fill = Backlog.fill(broker.bootstrapServers(), TOPIC, backlogSize(), KEYS);
        Report.progress("backlog: %s", fill.describe());
    }

    @AfterAll
    static void stop() {
        sink.close();
        broker.close();
        Bench.deleteQuietly(broker.dataDir());
    }

    @Test
    void unorderedKeyAndPartitionThroughput() {
        List<Window> unordered = new ArrayList<>();
        List<Window> keyed = new ArrayList<>();
        Window partition;
        long rss;
        try (SluiceProcess app = SluiceProcess.start("bench-scheduler",
                Bench.appConfig(broker.bootstrapServers(), TOPIC, sink, GLOBAL, C, Map.of("ordering", "none")), APP_JVM_FLAGS)) {
            app.awaitReady(Duration.ofSeconds(60));
            Bench.awaitAnswered(sink, 0, Duration.ofSeconds(60));
            Report.progress("warming up for %d s (unordered, key, unordered)", WARMUP.toSeconds());
            Duration third = WARMUP.dividedBy(3);
            Window.sleep(third);
            switchTo(app, "key");
            Window.sleep(third);
            switchTo(app, "none");
            Window.sleep(third);
            for (int round = 1; round <= ROUNDS; round++) {
                unordered.add(phase(app, "none", "unordered-" + round, WINDOW));
                keyed.add(phase(app, "key", "key-" + round, WINDOW));
            }
            partition = phase(app, "partition", "partition", PARTITION_WINDOW);
            rss = app.rssMiB();
            int exit = app.terminate(Duration.ofSeconds(30));
            assertTrue(exit == 0 || exit == 143, "graceful exit after SIGTERM, was " + exit);
        }
        long answered = sink.answered();
        report(unordered, keyed, partition, rss, answered);
        assertTrue(answered < fill.records(), "the backlog outlasted the measurement (else a window ran dry)");
    }

    private static void switchTo(SluiceProcess app, String ordering) {
        Bench.putRoute(app, TOPIC, sink, GLOBAL, C, "ordering", ordering);
    }

    private static Window phase(SluiceProcess app, String ordering, String label, Duration length) {
        switchTo(app, ordering);
        Window.sleep(SETTLE);
        Window w = Window.measure(label, sink, app.pid(), length, () -> app.getBody("/q/metrics"));
        assertTrue(sink.answered() < fill.records(), "backlog ran out during " + label);
        return w;
    }

    private static void report(List<Window> unordered, List<Window> keyed, Window partition, long rss, long answered) {
        double none = unordered.stream().mapToDouble(Window::perSecond).average().orElseThrow();
        double key = keyed.stream().mapToDouble(Window::perSecond).average().orElseThrow();
        Report r = new Report("scheduler", "Sluice scheduler benchmark: ordering none / key / partition",
                String.format("./mvnw -B -Pbench verify -Dit.test=SchedulerBench -Dbench.latencyMs=%d -Dbench.concurrency=%d "
                        + "-Dbench.keys=%d -Dbench.warmupSeconds=%d -Dbench.windowSeconds=%d -Dbench.rounds=%d%s",
                        L_MS, C, KEYS, WARMUP.toSeconds(), WINDOW.toSeconds(), ROUNDS,
                        GLOBAL == C ? "" : " -Dbench.globalConcurrency=" + GLOBAL));
        r.line("set-up", "broker and sink in the test JVM, Sluice packaged app %s; route max-in-flight C = %d, global %d; "
                + "sink latency L = %d ms; ceiling C/L = %.0f events/s", APP_JVM_FLAGS, C, GLOBAL, L_MS, bound());
        r.line("backlog", "%s over %d partitions (keys per partition: %s)", fill.describe(), PARTITIONS, keysPerPartition());
        r.line("schedule", "warm-up %d s (none, key, none), then %d rounds of [none, key] windows of %d s, each after a "
                + "%d s settle; partition last (%d s)", WARMUP.toSeconds(), ROUNDS, WINDOW.toSeconds(), SETTLE.toSeconds(),
                PARTITION_WINDOW.toSeconds());
        r.section("figures");
        r.line("1 unordered / (C/L)", "%.3f  (%.0f events/s; target >= 0.95: %s)", none / bound(), none,
                Report.verdict(none / bound(), 0.95));
        r.line("2 key / unordered", "%.3f  (%.0f events/s; target >= 0.90: %s)", key / none, key,
                Report.verdict(key / none, 0.90));
        for (int i = 0; i < unordered.size(); i++) {
            r.line("    round " + (i + 1), "unordered %.3f of C/L, key / unordered %.3f", unordered.get(i).perSecond() / bound(),
                    keyed.get(i).perSecond() / unordered.get(i).perSecond());
        }
        double partitionBound = PARTITIONS * 1000.0 / L_MS;
        r.line("  partition / unordered", "%.4f  (%.0f events/s; partitions/L = %.0f events/s, ratio to it %.3f)",
                partition.perSecond() / none, partition.perSecond(), partitionBound, partition.perSecond() / partitionBound);
        r.section("windows");
        for (int i = 0; i < unordered.size(); i++) {
            unordered.get(i).addTo(r, "C/L", bound());
            keyed.get(i).addTo(r, "unordered of the same round", unordered.get(i).perSecond());
        }
        partition.addTo(r, "partitions/L", partitionBound);
        r.line("RSS of Sluice at the end", rss + " MiB");
        r.line("answered in all", "%,d of a %,d backlog (never ran dry)", answered, fill.records());
        r.publish();
    }

    /** How Kafka's default partitioner spread the keys (murmur2 of the key bytes). */
    private static String keysPerPartition() {
        int[] counts = new int[PARTITIONS];
        for (int k = 0; k < KEYS; k++) {
            byte[] key = ("k" + k).getBytes(StandardCharsets.UTF_8);
            counts[Utils.toPositive(Utils.murmur2(key)) % PARTITIONS]++;
        }
        return java.util.Arrays.toString(counts);
    }
}
