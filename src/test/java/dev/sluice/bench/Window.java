package dev.sluice.bench;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * One measured window of a steady run: the rate at which the sink answered, how long it held a
 * request, how many it held on average and at most, and who used the CPU meanwhile. Started after
 * warm-up, so the JIT compiler's first minute is not in it.
 */
record Window(String label, double perSecond, double meanHoldMs, double meanHeld, int peakHeld, long answered,
        Duration length, double appCpus, String machineCpu, String appThreads, String gauges, String profile) {

    /** Sluice's gauges sampled once a second over a window: where its records are. */
    private static final List<String> GAUGES = List.of("sluice_in_flight", "sluice_in_flight_limit", "sluice_records_in_flight",
            "sluice_lane_waiting", "sluice_records_parked", "sluice_lanes", "sluice_partitions_paused_for_lanes",
            "sluice_consumer_paused");

    /**
     * Measures {@code length} from now. With {@code -Dbench.jfr=true} the app is profiled over the
     * window (target/bench-jfr/{@code label}.jfr) and the summary is kept in {@link #profile()}.
     */
    static Window measure(String label, BenchSink sink, long appPid, Duration length) {
        return measure(label, sink, appPid, length, null);
    }

    /**
     * As {@link #measure(String, BenchSink, long, Duration)}; {@code metrics} (Sluice's /q/metrics)
     * is read once a second and the mean of each of Sluice's scheduling gauges reported.
     */
    static Window measure(String label, BenchSink sink, long appPid, Duration length, Supplier<String> metrics) {
        JfrProfile jfr = JfrProfile.enabled() ? JfrProfile.start(appPid, label) : null;
        CpuUse machine = CpuUse.start(appPid);
        ThreadCpu threads = ThreadCpu.start(appPid);
        sink.resetPeak();
        BenchSink.Snapshot start = sink.snapshot();
        Map<String, Double> sums = new LinkedHashMap<>();
        GAUGES.forEach(g -> sums.put(g, 0.0));
        int samples = 0;
        int failedScrapes = 0;
        long slowestScrapeMs = 0;
        long deadline = start.nanoTime() + length.toNanos();
        long left;
        while ((left = deadline - System.nanoTime()) > 0) {
            sleep(Duration.ofNanos(Math.min(left, 1_000_000_000L)));
            if (metrics != null && deadline - System.nanoTime() > 100_000_000L) {
                long asked = System.nanoTime();
                String exposition = scrape(metrics);
                slowestScrapeMs = Math.max(slowestScrapeMs, (System.nanoTime() - asked) / 1_000_000);
                if (exposition == null) {
                    failedScrapes++;
                } else {
                    Proc.gauges(exposition, Set.copyOf(GAUGES), null).forEach((k, v) -> sums.merge(k, v, Double::sum));
                    samples++;
                }
            }
        }
        BenchSink.Snapshot end = sink.snapshot();
        int n = samples;
        String gauges = metrics == null ? null : sums.entrySet().stream()
                .map(e -> String.format("%s %.1f", e.getKey(), n == 0 ? Double.NaN : e.getValue() / n))
                .collect(Collectors.joining(", "))
                + String.format(" (%d readings; %d unanswered; slowest %d ms)", n, failedScrapes, slowestScrapeMs);
        int peak = sink.peak();
        double appCpus = threads.cpusSince();
        String appThreads = threads.since(6);
        String machineCpu = CpuUse.since(machine, label.startsWith("sluice") || metrics != null ? "Sluice" : "app");
        String profile = jfr == null ? null : jfr.stopAndSummarise(12);
        Window w = new Window(label, end.ratePerSecond(start), end.meanHoldMs(start), end.meanHeld(start), peak,
                end.answered() - start.answered(), length, appCpus, machineCpu, appThreads, gauges, profile);
        Report.progress("%s: %.0f events/s, %.1f held on average (peak %d), hold %.2f ms", label, w.perSecond(),
                w.meanHeld(), w.peakHeld(), w.meanHoldMs());
        return w;
    }

    /** Adds this window's lines to a report, its rate compared with {@code reference} when given. */
    void addTo(Report report, String refName, double reference) {
        report.section("  " + label);
        report.line("    events/s", "%.0f (%,d answered in %d s)%s", perSecond, answered, length.toSeconds(),
                reference > 0 ? String.format("; / %s = %.3f", refName, perSecond / reference) : "");
        report.line("    at the sink", "mean held %.1f (peak %d), mean hold %.2f ms", meanHeld, peakHeld, meanHoldMs);
        report.line("    app CPU per event", "%.1f us (%.2f CPUs at %.0f events/s)", cpuMicrosPerEvent(), appCpus, perSecond);
        report.line("    machine CPU", machineCpu);
        report.line("    app threads", appThreads);
        if (gauges != null) {
            report.line("    Sluice gauges (mean)", gauges);
        }
        if (profile != null) {
            report.block("    JFR profile: " + profile);
        }
    }

    /** The app's /q/metrics, or null when it does not answer in time (a busy app may not). */
    private static String scrape(Supplier<String> metrics) {
        try {
            return metrics.get();
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** CPU time the app spent per event answered, in microseconds. */
    double cpuMicrosPerEvent() {
        return perSecond == 0 ? 0 : appCpus / perSecond * 1e6;
    }

    static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis(), (int) (d.toNanos() % 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
