package dev.sluice.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.devkafka.EmbeddedKafkaBroker;
import dev.sluice.testing.Kafka;
import dev.sluice.testing.SluiceProcess;

/**
 * {@code concurrency: adaptive} against the best fixed limit, on a target that queues: the sink
 * serves 40 requests at once, 20 ms each, and queues the rest in arrival order (capacity
 * 40 / 20 ms = 2000/s whatever is sent; more concurrency only adds queueing). In one Sluice run:
 *
 * <ol>
 * <li>adaptive ({@code adaptive.min} 1, {@code adaptive.max} 256, a new route starting at 1): warm
 * up, then a window; the settled limit is the mean of {@code sluice_in_flight_limit} read once a
 * second over the window;</li>
 * <li>a sweep of fixed limits (20, 30, 40, 50, 64, 128, 256), switched live, one window each; the
 * best is the one with the highest throughput (the smallest limit within 1 % of it on a tie,
 * since more only queues).</li>
 * </ol>
 *
 * Printed: the settled limit, adaptive throughput / best fixed throughput, and each window's mean
 * hold at the sink (service plus queueing: the latency a limit costs).
 *
 * <p>{@code ./mvnw -B -Pbench verify -Dit.test=AdaptiveConcurrencyBench}; -Dbench.warmupSeconds
 * (45), -Dbench.windowSeconds (20; the sweep's windows are half that), -Dbench.jfr=true.
 */
class AdaptiveConcurrencyBench {
    private static final int SERVERS = 40;
    private static final long SERVICE_MS = 20;
    private static final int MAX = 256;
    private static final List<Integer> FIXED = List.of(20, 30, 40, 50, 64, 128, 256);
    private static final Duration WARMUP = Duration.ofSeconds(Long.getLong("bench.warmupSeconds", 45));
    private static final Duration WINDOW = Duration.ofSeconds(Long.getLong("bench.windowSeconds", 20));
    private static final Duration SWEEP_WINDOW = WINDOW.dividedBy(2);
    private static final Duration SETTLE = Duration.ofSeconds(5);
    private static final int KEYS = 10_000;
    private static final int PARTITIONS = 4;
    private static final String TOPIC = "bench.adaptive";
    private static final List<String> APP_JVM_FLAGS = List.of("-Xmx512m");

    private static EmbeddedKafkaBroker broker;
    private static BenchSink sink;
    private static Backlog.Fill fill;

    private static double capacity() {
        return SERVERS * 1000.0 / SERVICE_MS;
    }

    @BeforeAll
    static void start() {
        broker = EmbeddedKafkaBroker.start(Path.of("target", "bench-kafka-" + UUID.randomUUID()));
        sink = BenchSink.withCapacity(SERVERS, SERVICE_MS);
        try (Kafka kafka = new Kafka(broker.bootstrapServers())) {
            kafka.createTopic(TOPIC, PARTITIONS);
        }
        double seconds = WARMUP.toSeconds() + WINDOW.toSeconds()
                + FIXED.size() * (SETTLE.toSeconds() + SWEEP_WINDOW.toSeconds());
        long records = (long) (1.2 * capacity() * seconds);
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

    /** The adaptive window, with the limit read once a second over it. */
    record Adaptive(Window window, double meanLimit, int minLimit, int maxLimit) {
    }

    @Test
    void adaptiveConcurrencyAgainstTheBestFixedLimit() {
        Adaptive adaptive;
        List<Window> fixed = new ArrayList<>();
        try (SluiceProcess app = SluiceProcess.start("bench-adaptive", Bench.appConfig(broker.bootstrapServers(), TOPIC, sink, MAX, MAX,
                Map.of("concurrency", "adaptive", "adaptive.min", "1", "adaptive.max", String.valueOf(MAX))), APP_JVM_FLAGS)) {
            app.awaitReady(Duration.ofSeconds(60));
            Bench.awaitAnswered(sink, 0, Duration.ofSeconds(60));
            Report.progress("adaptive: warming up for %d s", WARMUP.toSeconds());
            Window.sleep(WARMUP);
            adaptive = adaptiveWindow(app);
            for (int limit : FIXED) {
                Bench.putRoute(app, TOPIC, sink, MAX, limit, "concurrency", "fixed");
                Window.sleep(SETTLE);
                fixed.add(Window.measure("fixed-" + limit, sink, app.pid(), SWEEP_WINDOW, () -> app.getBody("/q/metrics")));
                assertTrue(sink.answered() < fill.records(), "backlog ran out during the sweep");
            }
            int exit = app.terminate(Duration.ofSeconds(30));
            assertTrue(exit == 0 || exit == 143, "graceful exit after SIGTERM, was " + exit);
        }
        report(adaptive, fixed);
    }

    /** Measures the adaptive window while sampling the route's limit (an extra reader of /q/metrics). */
    private static Adaptive adaptiveWindow(SluiceProcess app) {
        List<Integer> limits = new ArrayList<>();
        Thread reader = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Double limit = Proc.gauges(app.getBody("/q/metrics"), Set.of("sluice_in_flight_limit"), null)
                            .get("sluice_in_flight_limit");
                    if (limit != null) {
                        synchronized (limits) {
                            limits.add(limit.intValue());
                        }
                    }
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    // an unanswered scrape is a missing reading, not a failure
                }
            }
        }, "limit-reader");
        reader.start();
        Window w = Window.measure("adaptive", sink, app.pid(), WINDOW, () -> app.getBody("/q/metrics"));
        reader.interrupt();
        synchronized (limits) {
            assertTrue(!limits.isEmpty(), "the route's limit was read");
            return new Adaptive(w, limits.stream().mapToInt(Integer::intValue).average().orElseThrow(),
                    limits.stream().mapToInt(Integer::intValue).min().orElseThrow(),
                    limits.stream().mapToInt(Integer::intValue).max().orElseThrow());
        }
    }

    private static void report(Adaptive adaptive, List<Window> fixed) {
        double top = fixed.stream().mapToDouble(Window::perSecond).max().orElseThrow();
        Window best = fixed.stream().filter(w -> w.perSecond() >= 0.99 * top)
                .min(Comparator.comparingInt(w -> Integer.parseInt(w.label().substring("fixed-".length()))))
                .orElseThrow();
        Window a = adaptive.window();
        double ratio = a.perSecond() / best.perSecond();
        Report r = new Report("adaptive", "Sluice adaptive concurrency against the best fixed limit",
                String.format("./mvnw -B -Pbench verify -Dit.test=AdaptiveConcurrencyBench -Dbench.warmupSeconds=%d "
                        + "-Dbench.windowSeconds=%d", WARMUP.toSeconds(), WINDOW.toSeconds()));
        r.line("set-up", "broker and sink in the test JVM, Sluice packaged app %s; the sink serves %d requests at once, "
                + "%d ms each, and queues the rest (capacity %.0f/s); key ordering, 10,000 keys, 4 partitions; global "
                + "max-in-flight %d", APP_JVM_FLAGS, SERVERS, SERVICE_MS, capacity(), MAX);
        r.line("backlog", fill.describe());
        r.line("schedule", "adaptive (min 1, max %d, from a cold start): %d s warm-up, %d s window; then fixed limits %s, "
                + "each %d s after a %d s settle", MAX, WARMUP.toSeconds(), WINDOW.toSeconds(), FIXED,
                SWEEP_WINDOW.toSeconds(), SETTLE.toSeconds());
        r.section("figures");
        r.line("5 settled adaptive limit", "%.1f mean (min %d, max %d over the window; the sink serves %d at once)",
                adaptive.meanLimit(), adaptive.minLimit(), adaptive.maxLimit(), SERVERS);
        r.line("  adaptive / best fixed", "%.3f  (%.0f vs %.0f events/s at fixed %s)", ratio, a.perSecond(),
                best.perSecond(), best.label().substring("fixed-".length()));
        r.line("  adaptive / capacity", "%.3f; mean hold at the sink %.1f ms (service %d ms + queueing)",
                a.perSecond() / capacity(), a.meanHoldMs(), SERVICE_MS);
        for (Window w : fixed) {
            r.line("  " + w.label(), "%.0f events/s (%.3f of capacity), mean hold %.1f ms, held %.1f", w.perSecond(),
                    w.perSecond() / capacity(), w.meanHoldMs(), w.meanHeld());
        }
        r.section("windows");
        a.addTo(r, "capacity", capacity());
        fixed.forEach(w -> w.addTo(r, "capacity", capacity()));
        r.publish();
    }
}
