package dev.sluice.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.devkafka.EmbeddedKafkaBroker;
import dev.sluice.testing.Kafka;
import dev.sluice.testing.SluiceProcess;

/**
 * Sluice against the consumer a Quarkus user would write by hand (bench/baseline: an
 * {@code @Incoming} method, {@code @Blocking(value = "deliveries", ordered = false)} on a worker
 * pool with max-concurrency 256, blocking on the same Vert.x web client), on the same workload:
 * same broker, one topic of 4 partitions holding the same keyed backlog (each app reads all of it
 * with its own consumer group), the same sink with latency L. Each app is warmed up for the same
 * time, then measured over a window. Sluice runs with route and global max-in-flight 256, once
 * unordered (the baseline's semantics) and once in key mode (its default), switched at run time.
 *
 * <p>{@code ./mvnw -B -Pbench verify -Dit.test=HandWrittenBench}; settings: -Dbench.latencyMs (20),
 * -Dbench.warmupSeconds (45), -Dbench.windowSeconds (20), -Dbench.jfr=true to profile each window.
 */
class HandWrittenBench {
    private static final long L_MS = Long.getLong("bench.latencyMs", 20);
    private static final int C = 256;
    private static final int KEYS = 10_000;
    private static final int PARTITIONS = 4;
    private static final Duration WARMUP = Duration.ofSeconds(Long.getLong("bench.warmupSeconds", 45));
    private static final Duration WINDOW = Duration.ofSeconds(Long.getLong("bench.windowSeconds", 20));
    private static final Duration SETTLE = Duration.ofSeconds(5);
    private static final List<String> JVM_FLAGS = List.of("-Xmx512m");
    private static final String TOPIC = "bench.handwritten";

    private static EmbeddedKafkaBroker broker;
    private static BenchSink sink;
    private static Backlog.Fill fill;

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
        // Sluice's run is the longer one: warm-up, settle, two windows; at most C/L, plus 10 %
        long records = (long) (1.1 * bound() * (WARMUP.toSeconds() + 2 * (SETTLE.toSeconds() + WINDOW.toSeconds())));
        Report.progress("filling the backlog: %,d records", records);
        fill = Backlog.fill(broker.bootstrapServers(), TOPIC, records, KEYS);
        Report.progress("backlog: %s", fill.describe());
    }

    @AfterAll
    static void stop() {
        sink.close();
        broker.close();
        Bench.deleteQuietly(broker.dataDir());
    }

    @Test
    void sluiceAgainstTheHandWrittenConsumer() {
        Window sluiceNone;
        Window sluiceKey;
        long sluiceRss;
        try (SluiceProcess app = SluiceProcess.start("bench-vs-handwritten",
                Bench.appConfig(broker.bootstrapServers(), TOPIC, sink, C, C, Map.of("ordering", "none")), JVM_FLAGS)) {
            app.awaitReady(Duration.ofSeconds(60));
            long before = sink.answered();
            Bench.awaitAnswered(sink, before, Duration.ofSeconds(60));
            Report.progress("Sluice: warming up for %d s", WARMUP.toSeconds());
            Window.sleep(WARMUP);
            sluiceNone = Window.measure("sluice-unordered", sink, app.pid(), WINDOW, () -> app.getBody("/q/metrics"));
            Bench.putRoute(app, TOPIC, sink, C, C, "ordering", "key");
            Window.sleep(SETTLE);
            sluiceKey = Window.measure("sluice-key", sink, app.pid(), WINDOW, () -> app.getBody("/q/metrics"));
            sluiceRss = app.rssMiB();
            int exit = app.terminate(Duration.ofSeconds(30));
            assertTrue(exit == 0 || exit == 143, "graceful exit after SIGTERM, was " + exit);
        }
        assertTrue(sink.answered() < fill.records(), "Sluice's backlog outlasted its measurement");

        Window handWritten;
        long handWrittenRss;
        long before = sink.answered();
        try (BaselineProcess baseline = BaselineProcess.start(baselineConfig(), JVM_FLAGS)) {
            Bench.awaitAnswered(sink, before, Duration.ofSeconds(60));
            Report.progress("hand-written: warming up for %d s", WARMUP.toSeconds());
            Window.sleep(WARMUP);
            handWritten = Window.measure("hand-written", sink, baseline.pid(), WINDOW);
            handWrittenRss = baseline.rssMiB();
            assertTrue(baseline.alive(), "the baseline is still running; log " + baseline.log());
        }
        assertTrue(sink.answered() - before < fill.records(), "the baseline's backlog outlasted its measurement");
        report(sluiceNone, sluiceKey, handWritten, sluiceRss, handWrittenRss);
    }

    private static Map<String, String> baselineConfig() {
        Map<String, String> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", broker.bootstrapServers());
        config.put("baseline.topic", TOPIC);
        config.put("baseline.target.url", sink.url("/bench"));
        return config;
    }

    private static void report(Window sluiceNone, Window sluiceKey, Window handWritten, long sluiceRss, long handWrittenRss) {
        double ratio = sluiceNone.perSecond() / handWritten.perSecond();
        Report r = new Report("handwritten", "Sluice vs the hand-written @Incoming consumer",
                String.format("./mvnw -B -Pbench verify -Dit.test=HandWrittenBench -Dbench.latencyMs=%d "
                        + "-Dbench.warmupSeconds=%d -Dbench.windowSeconds=%d", L_MS, WARMUP.toSeconds(), WINDOW.toSeconds()));
        r.line("set-up", "broker and sink in the test JVM; each app a packaged Quarkus app %s, one after the other; "
                + "sink latency L = %d ms; C/L = %.0f events/s", JVM_FLAGS, L_MS, bound());
        r.line("Sluice", "route and global max-in-flight %d", C);
        r.line("hand-written", "bench/baseline: @Incoming + @Blocking(value = \"deliveries\", ordered = false), "
                + "smallrye.messaging.worker.deliveries.max-concurrency=%d, Vert.x web client sendBufferAndAwait", C);
        r.line("backlog", "%s over %d partitions, read whole by each app's own group", fill.describe(), PARTITIONS);
        r.line("schedule", "each app: warm-up %d s from its first delivery, then a %d s window", WARMUP.toSeconds(),
                WINDOW.toSeconds());
        r.section("figures");
        r.line("3 Sluice / hand-written", "%.2f  (unordered %.0f vs %.0f events/s; target >= 3: %s)", ratio,
                sluiceNone.perSecond(), handWritten.perSecond(), Report.verdict(ratio, 3));
        r.line("  Sluice key mode / hand-written", "%.2f  (%.0f events/s)", sluiceKey.perSecond() / handWritten.perSecond(),
                sluiceKey.perSecond());
        r.line("  each / (C/L)", "Sluice unordered %.3f, Sluice key %.3f, hand-written %.3f", sluiceNone.perSecond() / bound(),
                sluiceKey.perSecond() / bound(), handWritten.perSecond() / bound());
        r.line("  app CPU per event", "Sluice unordered %.1f us, Sluice key %.1f us, hand-written %.1f us",
                sluiceNone.cpuMicrosPerEvent(), sluiceKey.cpuMicrosPerEvent(), handWritten.cpuMicrosPerEvent());
        r.section("windows");
        sluiceNone.addTo(r, "C/L", bound());
        sluiceKey.addTo(r, "C/L", bound());
        handWritten.addTo(r, "C/L", bound());
        r.line("RSS at the end", "Sluice %d MiB, hand-written %d MiB", sluiceRss, handWrittenRss);
        r.publish();
    }
}
