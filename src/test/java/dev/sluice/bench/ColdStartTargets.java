package dev.sluice.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

/**
 * Issue 12's targets for the cold start: the runs they need (ColdStartBench's default plan) and
 * how each is read from one round of them. The report prints each target with its figure (the
 * median over rounds, then each round's) and whether it is met. RSS through 10M records is
 * MemoryBench's.
 */
final class ColdStartTargets {
    static final List<ColdStartBench.Step> PLAN = List.of(
            new ColdStartBench.Step(20_000, "key"),
            new ColdStartBench.Step(40_000, "unordered"),
            new ColdStartBench.Step(40_000, "key256"),
            new ColdStartBench.Step(1_000_000, "unordered"));

    /** One round of one backlog size: each workload's runs, by consumer. */
    interface Round {
        /** The run of {@code consumer} in {@code workload}, or null when it did not run or did not finish. */
        ColdStartRun run(String workload, String consumer);
    }

    /** A target: its figure from one round (NaN when the round lacks a run it needs) against a bound. */
    record Target(long records, String text, boolean atLeast, double bound, ToDoubleFunction<Round> figure) {
        String verdict(double value) {
            if (Double.isNaN(value)) {
                return "not run";
            }
            return (atLeast ? value >= bound : value <= bound) ? "met" : "missed";
        }

        String boundText() {
            return (atLeast ? ">= " : "<= ") + (bound == Math.rint(bound) ? String.valueOf((long) bound) : String.valueOf(bound));
        }
    }

    static final List<Target> TARGETS = List.of(
            new Target(1_000_000, "unordered, C = 256, L = 20 ms: rate, Sluice / Parallel Consumer", true, 1.25,
                    r -> ratio(r, "unordered", "pc", ColdStartRun::perSecond)),
            new Target(1_000_000, "unordered: Sluice's second-half rate of C / L", true, 0.95,
                    r -> ofBound(r, "unordered", ColdStartRun::secondHalfPerSecond)),
            new Target(1_000_000, "unordered: CPU per 1k events, Sluice / Parallel Consumer", false, 0.5,
                    r -> ratio(r, "unordered", "pc", ColdStartRun::cpuMsPer1k)),
            new Target(40_000, "unordered, C = 256, L = 20 ms: rate, Sluice / Parallel Consumer", true, 1.2,
                    r -> ratio(r, "unordered", "pc", ColdStartRun::perSecond)),
            new Target(20_000, "key order, C = 128, L = 50 ms: Sluice's rate of C / L", true, 0.95,
                    r -> ofBound(r, "key", ColdStartRun::perSecond)),
            new Target(20_000, "key order, C = 128, L = 50 ms: Sluice's order violations", false, 0,
                    r -> figure(r, "key", run -> run.orderViolations())),
            new Target(40_000, "key order / unordered, Sluice, C = 256, L = 20 ms: rate", true, 0.95, r -> {
                ColdStartRun key = r.run("key256", "sluice");
                ColdStartRun unordered = r.run("unordered", "sluice");
                return key == null || unordered == null ? Double.NaN : key.perSecond() / unordered.perSecond();
            }));

    private ColdStartTargets() {
    }

    private static double ratio(Round r, String workload, String peer, ToDoubleFunction<ColdStartRun> f) {
        ColdStartRun sluice = r.run(workload, "sluice");
        ColdStartRun other = r.run(workload, peer);
        return sluice == null || other == null ? Double.NaN : f.applyAsDouble(sluice) / f.applyAsDouble(other);
    }

    private static double ofBound(Round r, String workload, ToDoubleFunction<ColdStartRun> f) {
        ColdStartRun sluice = r.run(workload, "sluice");
        return sluice == null ? Double.NaN : f.applyAsDouble(sluice) / ColdStartBench.WORKLOADS.get(workload).bound();
    }

    private static double figure(Round r, String workload, ToDoubleFunction<ColdStartRun> f) {
        ColdStartRun sluice = r.run(workload, "sluice");
        return sluice == null ? Double.NaN : f.applyAsDouble(sluice);
    }

    /** Each target's line: the median over {@code rounds} (each round's figure after it) and the verdict on the median. */
    static List<String[]> evaluate(Map<Long, List<Round>> roundsBySize) {
        List<String[]> lines = new ArrayList<>();
        for (Target t : TARGETS) {
            List<Double> values = new ArrayList<>();
            for (Round round : roundsBySize.getOrDefault(t.records(), List.of())) {
                double v = t.figure().applyAsDouble(round);
                if (!Double.isNaN(v)) {
                    values.add(v);
                }
            }
            double median = median(values);
            String measured = values.isEmpty() ? "-"
                    : values.size() == 1 ? format(median)
                    : format(median) + " (" + values.stream().map(ColdStartTargets::format).collect(Collectors.joining(", ")) + ")";
            String label = ColdStartBench.shortCount(t.records()) + " " + t.text();
            lines.add(new String[] {label, t.boundText(), measured, t.verdict(median)});
        }
        return lines;
    }

    static double median(List<Double> values) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static String format(double v) {
        return v == Math.rint(v) && Math.abs(v) >= 1 ? String.format("%.0f", v) : String.format("%.3f", v);
    }
}
