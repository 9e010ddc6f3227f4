package dev.sluice.bench;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.devkafka.EmbeddedKafkaBroker;
import dev.sluice.testing.Kafka;
import dev.sluice.testing.SluiceProcess;
import dev.sluice.testing.TestSink;

/**
 * How fast the packaged app delivers to a sink that answers 200 after a fixed latency L, with one
 * route allowed C requests in flight. Little's law caps any such pipeline at C / L events per
 * second; the figure that matters is how close Sluice gets (the ratio).
 *
 * <ol>
 * <li>throughput: N events wait in a 4-partition topic before Sluice starts; the rate is measured
 * at the sink, from the first delivery to the last;</li>
 * <li>latency: with Sluice idle, events are produced at half of C / L for about 10 s; latency is
 * from the producer's send to the request's arrival at the sink (so L is not in it).</li>
 * </ol>
 *
 * Broker, sink and producers run in this JVM, Sluice in its own; all share the machine's CPUs.
 * Only sanity is asserted (everything delivered), never timing: the figures go to the output and
 * to target/bench-results.txt. Run with {@code ./mvnw -B -Pbench verify}; override with
 * -Dbench.latencyMs, -Dbench.concurrency, -Dbench.events.
 */
class DeliveryBench {
    private static final long L_MS = Long.getLong("bench.latencyMs", 20);
    private static final int C = Integer.getInteger("bench.concurrency", 64);
    private static final int N = Integer.getInteger("bench.events", 20_000);
    private static final Duration LATENCY_PHASE = Duration.ofSeconds(10);
    private static final List<String> APP_JVM_FLAGS = List.of("-Xmx512m");
    private static final String TOPIC = "bench.events";
    private static final String PATH = "/bench";

    private static EmbeddedKafkaBroker broker;
    private static TestSink sink;
    private static Kafka kafka;

    /**
     * Phase 1: N, first to last delivery, the second half of that (from delivery N/2 on: less of the
     * app's JIT warm-up is in it), duplicates, how long the sink held a request on average, the peak
     * in flight at the sink, RSS after, CPU use.
     */
    record Throughput(int events, long windowNanos, long secondHalfNanos, int duplicates, double meanHoldNanos,
            int peakAtSink, long rssMiB, String cpu) {
        double perSecond() {
            return (events - 1) * 1e9 / windowNanos;
        }

        double secondHalfPerSecond() {
            return (events - 1 - events / 2) * 1e9 / secondHalfNanos;
        }

        double bound() {
            return C * 1000.0 / L_MS;
        }

        double ratio() {
            return perSecond() / bound();
        }

        /**
         * Little's law read at the sink: requests it held on average. The ratio is
         * (meanInFlight / C) * (L / meanHold): Sluice keeping fewer than C requests at the sink
         * shows in the first factor, a sink slower than L in the second.
         */
        double meanInFlightAtSink() {
            return perSecond() * meanHoldNanos / 1e9;
        }
    }

    /** Phase 2: what the producer achieved, the latency percentiles in nanoseconds, CPU use. */
    record Latency(PacedProducer.Run run, double targetPerSecond, int delivered, long p50, long p99, long max,
            String cpu) {
    }

    @BeforeAll
    static void start() {
        if (L_MS < 1 || C < 1 || N < 2) {
            throw new IllegalArgumentException("need bench.latencyMs >= 1, bench.concurrency >= 1, bench.events >= 2");
        }
        broker = EmbeddedKafkaBroker.start(Path.of("target", "bench-kafka-" + UUID.randomUUID()));
        sink = new TestSink().on(PATH, (id, attempt) -> TestSink.Reply.ok(L_MS));
        kafka = new Kafka(broker.bootstrapServers());
        kafka.createTopic(TOPIC, 4);
    }

    @AfterAll
    static void stop() {
        kafka.close();
        sink.close();
        broker.close();
    }

    @Test
    void deliversEverythingAndReportsThroughputAndLatency() {
        List<String> ids = IntStream.range(0, N).mapToObj(i -> "tp-" + i).toList();
        kafka.sendAll(TOPIC, ids);

        Throughput throughput;
        Latency latency;
        long rssAtEnd;
        try (SluiceProcess app = SluiceProcess.start("bench", appConfig(), APP_JVM_FLAGS)) {
            app.awaitReady(Duration.ofSeconds(60));
            throughput = throughputPhase(app, ids);
            latency = latencyPhase(app);
            rssAtEnd = app.rssMiB();
            int exit = app.terminate(Duration.ofSeconds(30));
            assertTrue(exit == 0 || exit == 143, "graceful exit after SIGTERM, was " + exit);
        }

        String report = report(throughput, latency, rssAtEnd);
        System.out.println(report);
        try {
            Files.writeString(Path.of("target", "bench-results.txt"), report);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertTrue(throughput.ratio() > 0, "some throughput");
        assertEquals(latency.run().sent(), latency.delivered(), "every latency event delivered");
    }

    private static Map<String, String> appConfig() {
        Map<String, String> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", broker.bootstrapServers());
        config.put("sluice.routes.bench.topics", TOPIC);
        config.put("sluice.routes.bench.target.url", sink.url(PATH));
        config.put("sluice.routes.bench.max-in-flight", String.valueOf(C));
        // twice the route's limit: the route, not the intake, is what bounds the work in flight
        config.put("sluice.max-in-flight", String.valueOf(2 * C));
        return config;
    }

    private static Throughput throughputPhase(SluiceProcess app, List<String> ids) {
        // generous: ten times the ideal duration N * L / C, plus start-up
        Duration bound = Duration.ofSeconds(120).plusMillis(10L * N * L_MS / C);
        CpuUse cpu = CpuUse.start(app.pid());
        TestSink.PathStats stats = sink.stats(PATH);
        // the cheap count first: polling must not take CPU from what it measures
        await().atMost(bound).pollInterval(Duration.ofMillis(100))
                .until(() -> stats.acceptedCount() >= N && sink.missing(PATH, ids).isEmpty());
        long rss = app.rssMiB();
        String cpuUse = CpuUse.since(cpu);
        List<TestSink.Arrival> arrivals = stats.arrivals();
        // first arrival of each event, in time order
        Map<String, Long> firstById = new HashMap<>();
        arrivals.forEach(a -> firstById.merge(a.id(), a.nanoTime(), Math::min));
        long[] times = firstById.values().stream().mapToLong(Long::longValue).sorted().toArray();
        double meanHold = arrivals.stream().mapToLong(a -> a.answeredNanoTime() - a.nanoTime()).average().orElseThrow();
        return new Throughput(N, times[N - 1] - times[0], times[N - 1] - times[N / 2], arrivals.size() - N, meanHold,
                stats.maxConcurrency(), rss, cpuUse);
    }

    private static Latency latencyPhase(SluiceProcess app) {
        double perSecond = C * 1000.0 / L_MS / 2;
        int count = (int) Math.round(perSecond * LATENCY_PHASE.toSeconds());
        TestSink.PathStats stats = sink.stats(PATH);
        int before = stats.acceptedCount();
        CpuUse cpu = CpuUse.start(app.pid());
        PacedProducer.Run run;
        try (PacedProducer producer = new PacedProducer(broker.bootstrapServers())) {
            run = producer.run(TOPIC, "lat", perSecond, count);
        }
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .until(() -> stats.acceptedCount() - before >= count && latencies().size() >= count);
        String cpuUse = CpuUse.since(cpu);
        long[] sorted = latencies().values().stream().mapToLong(Long::longValue).sorted().toArray();
        return new Latency(run, perSecond, sorted.length, percentile(sorted, 50), percentile(sorted, 99),
                sorted[sorted.length - 1], cpuUse);
    }

    /** Per latency event the sink accepted: send to first arrival, in nanoseconds. */
    private static Map<String, Long> latencies() {
        Map<String, Long> byId = new HashMap<>();
        for (TestSink.Arrival a : sink.stats(PATH).arrivals()) {
            if (a.id().startsWith("lat-")) {
                byId.putIfAbsent(a.id(), a.nanoTime() - PacedProducer.sentAt(a.id()));
            }
        }
        return byId;
    }

    /** Nearest-rank percentile of sorted values. */
    private static long percentile(long[] sorted, int p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }

    private static String report(Throughput t, Latency l, long rssAtEnd) {
        StringBuilder out = new StringBuilder();
        out.append("=== Sluice delivery benchmark ===\n");
        line(out, "command", String.format("./mvnw -B -Pbench verify -Dbench.latencyMs=%d -Dbench.concurrency=%d -Dbench.events=%d",
                L_MS, C, N));
        line(out, "commit", Machine.commit());
        line(out, "machine", Machine.describe());
        line(out, "run at", Instant.now().toString());
        line(out, "set-up", String.format("broker, sink, producers in the test JVM; Sluice packaged app %s; "
                + "topic of 4 partitions; route max-in-flight C, global max-in-flight %d", APP_JVM_FLAGS, 2 * C));
        line(out, "sink latency L", L_MS + " ms");
        out.append("throughput (N events in Kafka before Sluice starts)\n");
        line(out, "  events N", t.events() + " (all delivered; duplicate deliveries: " + t.duplicates() + ")");
        line(out, "  concurrency C", C + " (peak in flight seen at the sink: " + t.peakAtSink() + ")");
        line(out, "  first to last delivery", String.format("%.3f s", t.windowNanos() / 1e9));
        line(out, "  events/s", String.format("%.0f", t.perSecond()));
        line(out, "  bound C/L", String.format("%.0f events/s", t.bound()));
        line(out, "  ratio events/s / (C/L)", String.format("%.3f", t.ratio()));
        line(out, "  second half only", String.format("%.0f events/s, ratio %.3f (warmer: less JIT warm-up in it)",
                t.secondHalfPerSecond(), t.secondHalfPerSecond() / t.bound()));
        line(out, "  sink held a request", String.format("%.2f ms on average (L = %d ms)", t.meanHoldNanos() / 1e6, L_MS));
        line(out, "  mean in flight at sink", String.format("%.1f of C = %d (events/s x mean hold)", t.meanInFlightAtSink(), C));
        line(out, "  CPUs used, ready to last", t.cpu());
        line(out, "  RSS of Sluice after it", t.rssMiB() + " MiB");
        out.append("latency (steady rate, Sluice idle before)\n");
        PacedProducer.Run run = l.run();
        line(out, "  rate", String.format("target %.0f events/s (C/L / 2) for %d s: %d events, achieved %.0f events/s, "
                + "%d sends over 1 ms behind schedule", l.targetPerSecond(), LATENCY_PHASE.toSeconds(), run.sent(),
                run.perSecond(), run.late()));
        line(out, "  delivery latency", String.format("p50 %.2f ms, p99 %.2f ms, max %.2f ms "
                + "(producer send -> request arrives at the sink, L not included)", l.p50() / 1e6, l.p99() / 1e6, l.max() / 1e6));
        line(out, "  L for comparison", L_MS + " ms");
        line(out, "  CPUs used", l.cpu());
        line(out, "RSS of Sluice at the end", rssAtEnd + " MiB");
        return out.toString();
    }

    private static void line(StringBuilder out, String name, String value) {
        out.append(String.format("%-26s: %s%n", name, value));
    }
}
