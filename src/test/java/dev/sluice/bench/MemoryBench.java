package dev.sluice.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.devkafka.EmbeddedKafkaBroker;
import dev.sluice.testing.Kafka;
import dev.sluice.testing.SluiceProcess;

/**
 * Memory does not grow with consumer lag (guarantee 2): N small records wait in Kafka before
 * Sluice starts (-Xmx256m, key ordering over 10,000 keys, 256 in flight, a 5 ms sink), and Sluice
 * works through all of them while its RSS (/proc) and heap (jstat) are sampled once a second. Printed: max RSS,
 * max heap, and slopes in MiB per minute (least squares) of RSS over the whole run and over its
 * second half, and of the heap's floor (the lowest heap reading of each 10 s, which follows what
 * survives garbage collection). Every sample goes to target/bench-memory-samples.csv.
 *
 * <p>The default N (1,000,000) takes a few minutes; the full run is
 * {@code ./mvnw -B -Pbench verify -Dit.test=MemoryBench -Dbench.memory.events=10000000} (about 10
 * million records, about 7 minutes of delivery on 2 cores). Settings: -Dbench.memory.xmx (256m),
 * -Dbench.memory.jvmFlags (more flags for Sluice), -Dbench.nmt=true (native memory by category at
 * the end), -Dbench.memory.live=true (the live heap after forced full GCs at 10, 50 and 100 %).
 */
class MemoryBench {
    private static final long N = Long.getLong("bench.memory.events", 1_000_000);
    private static final long L_MS = 5;
    private static final int C = 256;
    private static final int KEYS = 10_000;
    private static final int PARTITIONS = 4;
    private static final String XMX = System.getProperty("bench.memory.xmx", "256m");
    /** -Dbench.memory.jvmFlags="-XX:+UseSerialGC ...": more JVM flags for Sluice (space-separated). */
    private static final List<String> EXTRA_FLAGS = List.of(System.getProperty("bench.memory.jvmFlags", "").trim().split("\\s+"))
            .stream().filter(f -> !f.isEmpty()).toList();
    private static final long RSS_TARGET_MIB = 400;
    /** A second-half slope of at most this many MiB per minute counts as flat (not growing). */
    private static final double FLAT_MIB_PER_MINUTE = 2;
    private static final String TOPIC = "bench.memory";
    /** -Dbench.nmt=true: run Sluice with Native Memory Tracking and report where its RSS goes. */
    private static final boolean NMT = Boolean.getBoolean("bench.nmt");
    /**
     * -Dbench.memory.live=true: at 10 %, 50 % and 100 % of the run, force a full GC (jcmd GC.run)
     * and read the heap 2.5 s later: about the live set (plus what was allocated since), which a leak
 * makes grow with records delivered. Off by
     * default: a full GC can give heap back and so lower the RSS figures.
     */
    private static final boolean LIVE = Boolean.getBoolean("bench.memory.live");

    private static EmbeddedKafkaBroker broker;
    private static BenchSink sink;
    private static Backlog.Fill fill;

    /** One sample: seconds since Sluice started consuming, RSS and heap used in MiB, records answered. */
    record Sample(double seconds, long rssMiB, double heapMiB, long answered) {
    }

    @BeforeAll
    static void start() {
        broker = EmbeddedKafkaBroker.start(Path.of("target", "bench-kafka-" + UUID.randomUUID()));
        sink = new BenchSink(L_MS);
        try (Kafka kafka = new Kafka(broker.bootstrapServers())) {
            kafka.createTopic(TOPIC, PARTITIONS);
        }
        Report.progress("filling the backlog: %,d records", N);
        fill = Backlog.fill(broker.bootstrapServers(), TOPIC, N, KEYS);
        Report.progress("backlog: %s", fill.describe());
    }

    @AfterAll
    static void stop() {
        sink.close();
        broker.close();
        Bench.deleteQuietly(broker.dataDir());
    }

    @Test
    void memoryStaysFlatThroughABacklog() {
        List<Sample> samples = new ArrayList<>();
        // generous: 60 s to start, then at least 1,000 records/s
        Duration bound = Duration.ofSeconds(60 + N / 1000);
        String cpu;
        String nmt = null;
        String liveSets = null;
        List<String> flags = new ArrayList<>(List.of("-Xmx" + XMX));
        flags.addAll(EXTRA_FLAGS);
        if (NMT) {
            flags.add("-XX:NativeMemoryTracking=summary");
        }
        try (SluiceProcess app = SluiceProcess.start("bench-memory", appConfig(), flags);
                HeapSampler heap = new HeapSampler(app.pid())) {
            app.awaitReady(Duration.ofSeconds(60));
            long started = System.nanoTime();
            CpuUse machine = CpuUse.start(app.pid());
            long deadline = started + bound.toNanos();
            long nextLog = 0;
            List<String> live = new ArrayList<>();
            while (sink.answered() < N) {
                if (LIVE && live.size() < 2 && sink.answered() >= N * (live.isEmpty() ? 1 : 5) / 10) {
                    live.add(liveHeap(app.pid(), heap));
                }
                assertTrue(System.nanoTime() < deadline, "not done within " + bound + ": " + sink.answered() + " of " + N);
                Window.sleep(Duration.ofSeconds(1));
                double seconds = (System.nanoTime() - started) / 1e9;
                samples.add(new Sample(seconds, app.rssMiB(), heap.usedMiB(), sink.answered()));
                if (seconds >= nextLog) {
                    Sample s = samples.get(samples.size() - 1);
                    Report.progress("%,d of %,d delivered, RSS %d MiB, heap %.0f MiB", s.answered(), N, s.rssMiB(), s.heapMiB());
                    nextLog += 30;
                }
            }
            cpu = CpuUse.since(machine);
            if (LIVE) {
                live.add(liveHeap(app.pid(), heap));
                liveSets = String.join(", ", live);
            }
            if (NMT) {
                nmt = nativeMemory(app.pid());
            }
            int exit = app.terminate(Duration.ofSeconds(30));
            assertTrue(exit == 0 || exit == 143, "graceful exit after SIGTERM, was " + exit);
        }
        writeCsv(samples);
        report(samples, cpu, flags, nmt, liveSets);
    }

    /** Forces a full GC and returns "<delivered>: <heap used after it> MiB". */
    private static String liveHeap(long pid, HeapSampler heap) {
        long delivered = sink.answered();
        JfrProfile.jcmd(pid, "GC.run");
        Window.sleep(Duration.ofMillis(2500)); // jstat reads once a second
        return String.format("%,d delivered: %.0f MiB", delivered, heap.usedMiB());
    }

    /** The committed memory of each NMT category over 1 MiB, largest first, one line each. */
    private static String nativeMemory(long pid) {
        String summary = JfrProfile.jcmd(pid, "VM.native_memory", "summary", "scale=MB");
        java.util.regex.Matcher total = java.util.regex.Pattern.compile("Total: reserved=\\d+MB, committed=(\\d+)MB")
                .matcher(summary);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("-\\s+([A-Za-z ]+?) \\(reserved=\\d+MB, committed=(\\d+)MB\\)")
                .matcher(summary);
        List<Map.Entry<String, Integer>> categories = new ArrayList<>();
        while (m.find()) {
            categories.add(Map.entry(m.group(1).trim(), Integer.parseInt(m.group(2))));
        }
        categories.sort(Map.Entry.<String, Integer> comparingByValue().reversed());
        return (total.find() ? "committed " + total.group(1) + " MiB: " : "")
                + categories.stream().filter(e -> e.getValue() >= 1).map(e -> e.getKey() + " " + e.getValue())
                        .collect(Collectors.joining(", "));
    }

    private static Map<String, String> appConfig() {
        Map<String, String> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", broker.bootstrapServers());
        config.put("sluice.max-in-flight", String.valueOf(C));
        config.put("sluice.routes.bench.topics", TOPIC);
        config.put("sluice.routes.bench.target.url", sink.url("/bench"));
        config.put("sluice.routes.bench.max-in-flight", String.valueOf(C));
        return config;
    }

    private static void report(List<Sample> samples, String cpu, List<String> flags, String nmt, String liveSets) {
        Sample last = samples.get(samples.size() - 1);
        long maxRss = samples.stream().mapToLong(Sample::rssMiB).max().orElseThrow();
        double maxHeap = samples.stream().mapToDouble(Sample::heapMiB).max().orElseThrow();
        List<Sample> secondHalf = samples.subList(samples.size() / 2, samples.size());
        double rssSlope = slopePerMinute(samples, Sample::rssMiB);
        double rssSlopeSecondHalf = slopePerMinute(secondHalf, Sample::rssMiB);
        List<Sample> floors = heapFloors(samples);
        double heapFloorSlope = slopePerMinute(floors, Sample::heapMiB);
        double heapFloorSlopeSecondHalf = slopePerMinute(floors.subList(floors.size() / 2, floors.size()), Sample::heapMiB);
        // flat means not growing: memory given back (a negative slope) is no leak
        boolean flat = rssSlopeSecondHalf <= FLAT_MIB_PER_MINUTE && heapFloorSlopeSecondHalf <= FLAT_MIB_PER_MINUTE;

        Report r = new Report("memory", "Sluice memory through a backlog",
                String.format("./mvnw -B -Pbench verify -Dit.test=MemoryBench -Dbench.memory.events=%d%s", N,
                        (XMX.equals("256m") ? "" : " -Dbench.memory.xmx=" + XMX)
                                + (EXTRA_FLAGS.isEmpty() ? "" : " -Dbench.memory.jvmFlags=\"" + String.join(" ", EXTRA_FLAGS) + "\"")
                                + (NMT ? " -Dbench.nmt=true" : "") + (LIVE ? " -Dbench.memory.live=true" : "")));
        r.line("N used", "%,d records%s", N, N < 10_000_000 ? " (the default; the full run is -Dbench.memory.events=10000000)" : "");
        r.line("set-up", "broker and sink in the test JVM; Sluice packaged app %s, key ordering, route and global "
                + "max-in-flight %d, sink latency %d ms", flags, C, L_MS);
        r.line("backlog", "%s over %d partitions, all in Kafka before Sluice starts", fill.describe(), PARTITIONS);
        r.line("run", "%,d delivered in %.0f s (%.0f events/s), %d samples, one a second", last.answered(), last.seconds(),
                last.answered() / last.seconds(), samples.size());
        r.line("machine CPU", cpu);
        r.section("figures");
        r.line("4 max RSS", "%d MiB  (target <= %d MiB: %s)", maxRss, RSS_TARGET_MIB, maxRss <= RSS_TARGET_MIB ? "met" : "MISSED");
        r.line("  RSS slope", "%+.2f MiB/min over the run, %+.2f MiB/min over its second half", rssSlope, rssSlopeSecondHalf);
        r.line("  heap", "max %.0f MiB; floor (lowest of each 10 s) slope %+.2f MiB/min over the run, %+.2f over its second half",
                maxHeap, heapFloorSlope, heapFloorSlopeSecondHalf);
        r.line("  flat", "%s (second-half slopes of RSS and heap floor at most +%.0f MiB/min)", flat ? "yes: met" : "no: MISSED",
                FLAT_MIB_PER_MINUTE);
        r.line("RSS over the run", "%s (MiB, one reading per tenth of the run)", tenths(samples));
        if (liveSets != null) {
            r.line("  heap after a full GC", "%s (read 2.5 s after the GC, so what a busy app allocated since is in "
                    + "it; the last is the live set of an idle app; the forced GCs can lower this run's RSS and heap "
                    + "figures)", liveSets);
        }
        if (nmt != null) {
            r.line("  native memory at the end", "%s (MiB, NMT)", nmt);
        }
        r.line("samples", "target/bench-memory-samples.csv");
        r.publish();
    }

    /** The lowest heap reading of each 10 s: what remains after young collections. */
    private static List<Sample> heapFloors(List<Sample> samples) {
        Map<Long, Sample> floor = new java.util.TreeMap<>();
        for (Sample s : samples) {
            floor.merge((long) (s.seconds() / 10), s, (a, b) -> a.heapMiB() <= b.heapMiB() ? a : b);
        }
        return new ArrayList<>(floor.values());
    }

    private static String tenths(List<Sample> samples) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            out.add(String.valueOf(samples.get(i * samples.size() / 10).rssMiB()));
        }
        out.add(String.valueOf(samples.get(samples.size() - 1).rssMiB()));
        return String.join(" ", out);
    }

    /** Least-squares slope of {@code value} against time, in MiB per minute; 0 with under 2 samples. */
    static double slopePerMinute(List<Sample> samples, java.util.function.ToDoubleFunction<Sample> value) {
        int n = samples.size();
        if (n < 2) {
            return 0;
        }
        double mt = samples.stream().mapToDouble(Sample::seconds).average().orElseThrow();
        double mv = samples.stream().mapToDouble(value).average().orElseThrow();
        double cov = 0;
        double var = 0;
        for (Sample s : samples) {
            cov += (s.seconds() - mt) * (value.applyAsDouble(s) - mv);
            var += (s.seconds() - mt) * (s.seconds() - mt);
        }
        return var == 0 ? 0 : cov / var * 60;
    }

    private static void writeCsv(List<Sample> samples) {
        String csv = "seconds,rss_mib,heap_mib,answered\n" + samples.stream()
                .map(s -> String.format("%.1f,%d,%.1f,%d", s.seconds(), s.rssMiB(), s.heapMiB(), s.answered()))
                .collect(Collectors.joining("\n")) + "\n";
        try {
            Files.writeString(Path.of("target", "bench-memory-samples.csv"), csv);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
