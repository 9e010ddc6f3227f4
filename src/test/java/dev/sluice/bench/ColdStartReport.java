package dev.sluice.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

/**
 * ColdStartBench's printed result: per workload and round a table of the consumers' figures
 * (markdown, to paste as it is), the Sluice / peer ratios, then each run's CPU breakdown; with
 * several rounds, the ratios of every round and their median.
 */
final class ColdStartReport {
    private static final Map<String, String> NAMES = Map.of("sluice", "Sluice", "pc", "Parallel Consumer 0.5.3.3",
            "handwritten", "hand-written @Incoming", "sluice-before", "Sluice before");

    private record Entry(String key, ColdStartBench.Workload workload, Backlog.Fill fill, int round,
            Map<String, ColdStartRun> runs) {
    }

    private final String command;
    private final List<String> jvmFlags;
    private final int partitions;
    private final int keys;
    private final List<Entry> entries = new ArrayList<>();

    ColdStartReport(String command, List<String> jvmFlags, int partitions, int keys) {
        this.command = command;
        this.jvmFlags = jvmFlags;
        this.partitions = partitions;
        this.keys = keys;
    }

    void add(String key, ColdStartBench.Workload workload, Backlog.Fill fill, int round, Map<String, ColdStartRun> runs) {
        entries.add(new Entry(key, workload, fill, round, runs));
    }

    void publish() {
        Report r = new Report("coldstart", "Cold start in front of a backlog: Sluice, Parallel Consumer, hand-written", command);
        r.line("set-up", "broker (single node, KRaft) and sink (one Vert.x event loop, 200 after L ms) in the test JVM; "
                + "each consumer a process %s started cold, one after another, each with a consumer group of its own "
                + "reading the whole topic; %d partitions, %,d keys; backlog produced before the first consumer starts",
                jvmFlags, partitions, keys);
        r.line("Sluice", "target/quarkus-app, route and global max-in-flight C, ordering none (unordered) or key");
        r.line("Parallel Consumer", "bench/parallel-consumer: 0.5.3.3 (kafka-clients 3.9.1), ordering UNORDERED or KEY, "
                + "maxConcurrency C, default commit mode, blocking JDK HttpClient on HTTP/1.1");
        r.line("hand-written", "bench/baseline: @Incoming + @Blocking(ordered = false), worker max-concurrency C; "
                + "no key order, so unordered in the key workload too");
        r.line("figures", "rate = records / (instant every record had been answered once - first answer); second "
                + "half likewise from the instant half had been; CPU = utime + stime of the whole process over the same "
                + "span; peak RSS = VmHWM; max at sink = most requests the sink held at once; start to first delivery "
                + "includes JVM start, the app's own start and the group join, start to last is when the backlog was "
                + "drained; order violations = a record first delivered after a later one of its key (asked for in "
                + "the key workload only, and not by the hand-written consumer)");
        r.line("noise", "a shared 2-core machine: broker, sink and consumer share it with whatever else runs; the "
                + "'other processes' CPU of each run below says how much that was");
        for (Entry e : entries) {
            section(r, e);
        }
        if (entries.stream().anyMatch(e -> e.round() > 1)) {
            summary(r);
        }
        targets(r);
        r.publish();
    }

    private void section(Report r, Entry e) {
        ColdStartBench.Workload w = e.workload();
        r.section("");
        r.section(String.format("%,d backlog, %s, round %d", e.fill().records(), w.describe(), e.round()));
        StringBuilder table = new StringBuilder();
        table.append("| consumer | events/s | of C/L | second half/s | CPU ms per 1k | second-half CPU ms per 1k "
                + "| peak RSS MiB | max at sink | start to first delivery | start to last | duplicates | order violations |\n");
        table.append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (ColdStartRun run : e.runs().values()) {
            if (!run.complete()) {
                table.append(String.format("| %s | FAILED: %s | | | | | %d | %d | | | %,d | %,d |%n", name(run.consumer()),
                        run.failure(), run.maxRssMiB(), run.peakAtSink(), run.duplicates(), run.orderViolations()));
                continue;
            }
            table.append(String.format("| %s | %,.0f | %.3f | %,.0f | %.0f | %.0f | %d | %d | %.1f s | %.1f s | %,d | %,d |%n",
                    name(run.consumer()), run.perSecond(), run.perSecond() / w.bound(), run.secondHalfPerSecond(),
                    run.cpuMsPer1k(), run.secondHalfCpuMsPer1k(), run.maxRssMiB(), run.peakAtSink(),
                    run.startToFirstSeconds(), run.startToAllSeconds(), run.duplicates(), run.orderViolations()));
        }
        r.block(table.toString());
        ratios(r, e, "pc");
        ratios(r, e, "handwritten");
        ratios(r, e, "sluice-before");
        for (ColdStartRun run : e.runs().values()) {
            r.line("  " + run.consumer() + " machine CPU", run.machineCpu());
            r.line("  " + run.consumer() + " threads", run.threads());
            r.line("  " + run.consumer() + " exit, log", "%d, %s", run.exit(), run.log());
            if (run.ramp() != null) {
                r.line("  " + run.consumer() + " ramp", "of C/L in each 0.5 s from the first delivery: %s", run.ramp());
            }
            if (run.profile() != null) {
                r.block(run.consumer() + " JFR, first to last delivery: " + run.profile());
            }
        }
    }

    private static void ratios(Report r, Entry e, String peer) {
        ColdStartRun sluice = e.runs().get("sluice");
        ColdStartRun other = e.runs().get(peer);
        if (sluice == null || other == null || !sluice.complete() || !other.complete()) {
            return;
        }
        r.line("Sluice / " + name(peer), "rate %.2f, second half %.2f, CPU per 1k events %.2f, peak RSS %.2f, "
                + "max at sink %.2f", sluice.perSecond() / other.perSecond(),
                sluice.secondHalfPerSecond() / other.secondHalfPerSecond(), sluice.cpuMsPer1k() / other.cpuMsPer1k(),
                (double) sluice.maxRssMiB() / other.maxRssMiB(), (double) sluice.peakAtSink() / other.peakAtSink());
    }

    /** With several rounds: each workload's ratios, round by round, and their medians. */
    private void summary(Report r) {
        r.section("");
        r.section("ratios over rounds (median; each round)");
        Map<String, List<Entry>> byWorkload = new LinkedHashMap<>();
        for (Entry e : entries) {
            byWorkload.computeIfAbsent(String.format("%,d %s", e.fill().records(), e.workload().describe()),
                    k -> new ArrayList<>()).add(e);
        }
        byWorkload.forEach((label, list) -> {
            for (String peer : List.of("pc", "handwritten", "sluice-before")) {
                String rate = ratioSeries(list, peer, ColdStartRun::perSecond);
                String cpu = ratioSeries(list, peer, ColdStartRun::cpuMsPer1k);
                if (!rate.isEmpty()) {
                    r.line(label + ", Sluice / " + peer, "rate %s; CPU per 1k %s", rate, cpu);
                }
            }
        });
    }

    /** Issue 12's targets, each with its figure from this run and whether it is met. */
    private void targets(Report r) {
        Map<Long, Map<Integer, Map<String, Map<String, ColdStartRun>>>> bySize = new LinkedHashMap<>();
        for (Entry e : entries) {
            bySize.computeIfAbsent(e.fill().records(), k -> new LinkedHashMap<>())
                    .computeIfAbsent(e.round(), k -> new LinkedHashMap<>()).put(e.key(), e.runs());
        }
        Map<Long, List<ColdStartTargets.Round>> rounds = new LinkedHashMap<>();
        bySize.forEach((size, byRound) -> rounds.put(size, byRound.values().stream()
                .<ColdStartTargets.Round>map(workloads -> (workload, consumer) -> {
                    ColdStartRun run = workloads.getOrDefault(workload, Map.of()).get(consumer);
                    return run == null || !run.complete() ? null : run;
                }).toList()));
        StringBuilder table = new StringBuilder("| target (issue 12) | bound | measured | |\n|---|---|---|---|\n");
        for (String[] line : ColdStartTargets.evaluate(rounds)) {
            table.append("| ").append(String.join(" | ", line)).append(" |\n");
        }
        boolean exceeded = false;
        for (Entry e : entries) {
            ColdStartRun s = e.runs().get("sluice");
            if (s != null && s.peakAtSink() > e.workload().concurrency()) {
                exceeded = true;
                table.append(String.format("| in-flight limit at the sink, %,d %s round %d | <= %d | %d | EXCEEDED |%n",
                        e.fill().records(), e.workload().describe(), e.round(), e.workload().concurrency(), s.peakAtSink()));
            }
        }
        if (!exceeded) {
            table.append("| Sluice's most requests at the sink / C, every run | <= C | ")
                    .append(entries.stream().filter(e -> e.runs().get("sluice") != null)
                            .map(e -> e.runs().get("sluice").peakAtSink() + "/" + e.workload().concurrency())
                            .collect(Collectors.joining(", ")))
                    .append(" | met |\n");
        }
        r.section("");
        r.section("targets (a target shows 'not run' when the plan lacked its runs; RSS through 10M records is MemoryBench's)");
        r.block(table.toString());
    }

    private static String ratioSeries(List<Entry> list, String peer, ToDoubleFunction<ColdStartRun> figure) {
        List<Double> ratios = new ArrayList<>();
        for (Entry e : list) {
            ColdStartRun s = e.runs().get("sluice");
            ColdStartRun p = e.runs().get(peer);
            if (s != null && p != null && s.complete() && p.complete()) {
                ratios.add(figure.applyAsDouble(s) / figure.applyAsDouble(p));
            }
        }
        if (ratios.isEmpty()) {
            return "";
        }
        List<Double> sorted = ratios.stream().sorted().toList();
        double median = sorted.size() % 2 == 1 ? sorted.get(sorted.size() / 2)
                : (sorted.get(sorted.size() / 2 - 1) + sorted.get(sorted.size() / 2)) / 2;
        return String.format("%.2f (%s)", median, ratios.stream().map(x -> String.format("%.2f", x))
                .collect(Collectors.joining(", ")));
    }

    private static String name(String consumer) {
        return NAMES.getOrDefault(consumer, consumer);
    }
}
